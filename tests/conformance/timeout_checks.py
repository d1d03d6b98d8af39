"""timeout_checks.py - the server closes connections that hold it up.

Each check starts its own server with a 1 s timeout, so that waiting for it
costs about a second instead of the suite's usual 5.
"""
import time

from registry import check
from wire import Fail, HttpConn, connect, recv_until_closed

GRACE_S = 3.0  # the 1 s timeout, plus a timer that may tick once a second


def expect_closed_within(sock, seconds, keep_alive=None):
    """Waits for the server to close sock; fails if it is still open after
    `seconds`.  keep_alive(), if given, is called every 0.3 s meanwhile."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if keep_alive:
            keep_alive()
        data, how = recv_until_closed(sock, 0.3)
        if how != "open":
            return data
    raise Fail("connection still open %.0f s into a 1 s timeout" % seconds)


@check("idle-timeout", own_server=True)
def idle_connection_closed(ctx):
    """--idle-timeout 1: a connection that says nothing more is closed (for
    HTTP, after one answered request)."""
    srv = ctx.start("--idle-timeout", "1", "--header-timeout", "0")
    try:
        if ctx.proto == "http":
            conn = HttpConn(srv.port)
            conn.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            if conn.read_response() is None:
                raise Fail("no answer to the request before going idle")
            sock = conn.sock
        else:
            sock = connect(srv.port)
        with sock:
            data = expect_closed_within(sock, GRACE_S)
            if data and ctx.proto == "echo":
                raise Fail("unexpected bytes from an idle echo connection: %r" % data[:80])
    finally:
        srv.stop()


@check("header-timeout", protos=("http",), own_server=True)
def slow_header_closed(ctx):
    """--header-timeout 1: a slowloris client that sends a header byte every
    0.3 s (so it is never idle) must still be cut off."""
    srv = ctx.start("--header-timeout", "1", "--idle-timeout", "0")
    try:
        with connect(srv.port) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
            data = expect_closed_within(sock, GRACE_S, lambda: trickle(sock))
            if data and not (data.startswith(b"HTTP/1.") and data[8:13] == b" 408 "):
                raise Fail("the only acceptable answer is 408, got %r" % data[:80])
    finally:
        srv.stop()


def trickle(sock):
    try:
        sock.send(b"a")
    except OSError:
        pass  # already closed by the server: the next read will say so
