"""lifecycle_checks.py - start-up, command line and shutdown.

These checks start their own servers (own_server=True) because they kill
them.  The command-line checks run once per model, as protocol 'cli'.
"""
import os
import signal
import subprocess
import time

from registry import check
from server import SANITIZER_ENV, SANITIZER_REPORTS, descendants, still_running
from wire import Fail, HttpConn, connect


def run_cli(ctx, *args):
    """Runs the server binary with args; returns (status, stdout, stderr).
    A sanitizer report while parsing options fails the check."""
    try:
        p = subprocess.run(list(ctx.cmd) + list(args), stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=5, text=True,
                           env=dict(os.environ, **SANITIZER_ENV))
    except subprocess.TimeoutExpired:
        raise Fail("%s did not exit within 5 s" % " ".join(args))
    for line in p.stderr.splitlines():
        if any(pat in line for pat in SANITIZER_REPORTS):
            raise Fail("%s: %s" % (" ".join(args), line.strip()))
    return p.returncode, p.stdout, p.stderr


@check("help", protos=("cli",))
def help_exits_zero_with_usage(ctx):
    rc, out, err = run_cli(ctx, "--help")
    if rc != 0:
        raise Fail("--help exited %d" % rc)
    if "--proto" not in out + err:
        raise Fail("--help text does not mention --proto: %r" % (out + err)[:200])


@check("bad-option", protos=("cli",))
def bad_options_exit_nonzero(ctx):
    for args in (["--no-such-option"], ["--port", "abc"], ["--proto", "ftp"],
                 ["--workers", "-3"]):
        rc, _, err = run_cli(ctx, *args)
        if rc == 0:
            raise Fail("%s exited 0" % " ".join(args))
        if rc < 0:
            raise Fail("%s was killed by signal %d: %s" % (" ".join(args), -rc, err[-200:]))


@check("listening-line", own_server=True, tsan=True)
def first_line_names_the_port(ctx):
    """Server() already insists on 'listening on 127.0.0.1:PORT' as the very
    first stdout line; here the port must also accept connections."""
    srv = ctx.start()
    try:
        connect(srv.port).close()
    except OSError as e:
        raise Fail("cannot connect to the port it announced (%d): %s" % (srv.port, e))
    finally:
        srv.stop()


def connect_busy_clients(ctx, port):
    """Clients in awkward states at shutdown: one that finished a request and
    idles, one half-way through a request, one that never sent a byte.
    Returns (sockets, requests answered)."""
    socks, answered = [], 0
    if ctx.proto == "http":
        done = HttpConn(port)
        done.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        if done.read_response() is None:
            raise Fail("no answer before the SIGTERM")
        socks.append(done.sock)
        answered = 1
        half = connect(port)
        half.sendall(b"GET / HTTP/1.1\r\nHo")
    else:
        half = connect(port)
        half.sendall(b"x" * 100000)  # echo output pending, mostly never read
        if not half.recv(1):  # but proof that it was accepted and served
            raise Fail("the echo client was closed before the SIGTERM")
    socks += [half, connect(port)]
    return socks, answered


@check("sigterm-with-clients", own_server=True, tsan=True)
def sigterm_exits_cleanly_with_clients_connected(ctx):
    srv = ctx.start()
    socks = []
    try:
        socks, answered = connect_busy_clients(ctx, srv.port)
        time.sleep(0.2)  # let the server accept them all
        family = descendants(srv.pid)
        start = time.monotonic()
        os.kill(srv.pid, signal.SIGTERM)
        rc = srv.wait(1.0)
        took = time.monotonic() - start
        if rc is None:
            raise Fail("still running 1 s after SIGTERM")
        if rc != 0:
            raise Fail("exit status %d after SIGTERM: %s" % (rc, srv.stderr_tail()))
        # Blocking models may leave some clients in the accept queue, so
        # only the connection already served is certain to be counted.
        expect_stats(srv, 1, answered)
        left = still_running(family)
        if left:
            raise Fail("child processes %s outlived the server" % left)
        if took > 1.0:
            raise Fail("took %.2f s to exit" % took)
    finally:
        for s in socks:
            s.close()
        srv.stop()


def expect_stats(srv, min_connections, min_requests):
    stats = srv.stats()
    if stats is None:
        raise Fail("no 'stats: connections=... requests=...' line on stdout: %r"
                   % srv.stdout()[-300:])
    if stats["connections"] < min_connections:
        raise Fail("stats say connections=%d, but %d were served"
                   % (stats["connections"], min_connections))
    if stats["requests"] < min_requests:
        raise Fail("stats say requests=%d, but %d were answered"
                   % (stats["requests"], min_requests))


def http_session(port):
    """Two kept-alive GETs, a 404 with Connection: close and a bad request,
    each connection read to its end.  Returns (bytes sent, bytes received)."""
    sent = received = 0
    for requests, expect_close in (
            (["GET / HTTP/1.1\r\nHost: x\r\n\r\n"] * 2, False),
            (["GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"], True),
            (["GARBAGE\r\n\r\n"], True)):
        conn = HttpConn(port)
        try:
            for req in requests:
                conn.send(req)
                sent += len(req)
                resp = conn.read_response()
                if resp is None:
                    raise Fail("no answer to %r" % req)
                received += len(resp.head) + 4 + len(resp.body)
            if expect_close:
                conn.expect_closed()
        finally:
            conn.close()
    return sent, received


def echo_session(port):
    """A 100 kB echo and a 1-byte echo with half-close."""
    from echo_checks import expect_echo
    expect_echo(port, 100000)
    expect_echo(port, 1, half_close=True)
    return 100001, 100001


@check("stats-exact", own_server=True, tsan=True)
def stats_line_counts_exactly_what_happened(ctx):
    """A known session (HTTP: 3 connections, 3 valid requests, 1 bad one;
    echo: 2 connections), then SIGTERM: the stats line must give exactly
    those counts and exactly the bytes that crossed the wire."""
    srv = ctx.start()
    try:
        if ctx.proto == "http":
            sent, received = http_session(srv.port)
            want = dict(connections=3, requests=3, bad_requests=1)
        else:
            sent, received = echo_session(srv.port)
            want = dict(connections=2, bad_requests=0)
        want.update(io_errors=0, refused=0, bytes_in=sent, bytes_out=received)
        time.sleep(0.3)  # let the server see the last close before stopping it
        rc, _ = srv.stop()
        stats = srv.stats()
        if stats is None:
            raise Fail("no stats line on stdout (exit status %s): %r"
                       % (rc, srv.stdout()[-300:]))
        wrong = ["%s=%d (expected %d)" % (k, stats[k], v)
                 for k, v in want.items() if stats[k] != v]
        if ctx.proto == "echo" and stats["requests"] < 2:
            wrong.append("requests=%d (expected at least 2)" % stats["requests"])
        if rc != 0:  # the counters are still compared, so both are reported
            wrong.append("exit status %s after SIGTERM: %s" % (rc, srv.stderr_tail()))
        if wrong:
            raise Fail("; ".join(wrong))
    finally:
        srv.stop()
