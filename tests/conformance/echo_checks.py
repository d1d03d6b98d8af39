"""echo_checks.py - the echo workload: every byte back, in order.

The payloads are pseudo-random (seeded by size, so a failure reproduces),
which catches dropped, duplicated and reordered chunks, not only short
counts.
"""
import random
import socket
import time

from registry import check
from wire import Fail, connect, echo_exchange, first_difference, reset_close

SIZES = [("1B", 1, True), ("1000B", 1000, False), ("64KiB+1", 65537, True),
         ("1MiB", 1 << 20, True), ("8MiB", 8 << 20, False)]


def payload(size):
    return random.Random(size).randbytes(size)


def expect_echo(port, size, half_close=False):
    data = payload(size)
    with connect(port) as s:
        got = echo_exchange(s, data, half_close=half_close)
    if got != data:
        raise Fail("echo differs from what was sent at byte %d of %d"
                   % (first_difference(got, data), size))


def make_echo_check(label, size, in_tsan):
    @check("echo-" + label, protos=("echo",), tsan=in_tsan)
    def echo_of_size(ctx):
        expect_echo(ctx.port, size)
    echo_of_size.__doc__ = ("Sends %s while reading the echo concurrently; every "
                            "byte back, in order." % label)


for _label, _size, _in_tsan in SIZES:
    make_echo_check(_label, _size, _in_tsan)


@check("half-close", protos=("echo",), tsan=True)
def half_close_gets_everything_then_eof(ctx):
    """After shutdown(SHUT_WR) the server still echoes what it has, then
    closes.  200 KiB is more than the 64 KiB output bound, so the tail is
    still in flight when the client's FIN arrives."""
    expect_echo(ctx.port, 200 * 1024, half_close=True)


def stuff_without_reading(s, limit, seconds):
    """Writes up to limit bytes without reading, until the socket stays full
    for `seconds`.  Returns how much the kernel and server accepted."""
    s.setblocking(False)
    chunk, sent = b"x" * 65536, 0
    last_progress = time.monotonic()
    while sent < limit and time.monotonic() - last_progress < seconds:
        try:
            sent += s.send(chunk)
            last_progress = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    return sent


@check("client-reset", protos=("echo",), tsan=True)
def client_resets_do_not_disturb_others(ctx):
    """Clients that vanish with RST mid-stream (server output pending, more
    input queued) leave the server serving an older and a new client."""
    with connect(ctx.port) as older:
        for _ in range(5):
            s = connect(ctx.port)
            stuff_without_reading(s, 1 << 20, 0.1)
            reset_close(s)
        s = connect(ctx.port)
        reset_close(s)  # reset before sending anything at all
        time.sleep(0.1)
        data = payload(100 * 1024)
        if echo_exchange(older, data) != data:
            raise Fail("the older connection's echo was corrupted after the resets")
    expect_echo(ctx.port, 100 * 1024)


@check("backpressure-bounded", protos=("echo",))
def server_stops_reading_a_client_that_does_not_read(ctx):
    """A client that only writes must be stalled by the server's bounded
    output buffer: what gets accepted is socket buffers plus 64 KiB, never
    the 48 MiB the client tries to push.  Then reading drains it all."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.settimeout(5)
    s.connect(("127.0.0.1", ctx.port))
    try:
        sent = stuff_without_reading(s, 48 << 20, 0.5)
        if sent >= 48 << 20:
            raise Fail("server accepted %d MiB from a client that never read: "
                       "output is not bounded" % (sent >> 20))
        s.setblocking(True)
        s.settimeout(5)
        got = 0
        while got < sent:
            try:
                chunk = s.recv(1 << 20)
            except socket.timeout:
                raise Fail("stalled after echoing %d of %d bytes" % (got, sent))
            if not chunk:
                raise Fail("server closed after echoing %d of %d bytes" % (got, sent))
            got += len(chunk)
    finally:
        s.close()
