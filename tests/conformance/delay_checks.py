"""delay_checks.py - a slow backend: --delay-us, --delay-blocking, --work-us.

The other checks run without a backend delay, so the paths that wait (a
blocking model's sleep, an event loop's timer, epoll-offload's pool) would
go untested under the sanitizers.  Here the server waits 20 ms per request,
blocking, after 300 us of CPU work: every request must still be answered
once and in order, and a client that resets while its request waits, or a
SIGTERM while one waits, must not hurt the server (epoll-offload must not
free such a connection under the pool thread that runs its job).
"""
import time

from registry import check
from wire import Fail, HttpConn, connect, echo_exchange, reset_close
from http_checks import GET, expect_hello

SLOW_ARGS = ("--delay-us", "20000", "--delay-blocking", "--work-us", "300")


def http_round(port):
    """Three pipelined GETs, answered in order, then one more."""
    conn = HttpConn(port)
    try:
        conn.send(GET * 3)
        for i in range(3):
            try:
                expect_hello(conn.read_response())
            except Fail as e:
                raise Fail("pipelined response %d of 3: %s" % (i + 1, e))
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


def echo_round(port):
    data = b"slow backend\n"
    with connect(port) as s:
        got = echo_exchange(s, data)
    if got != data:
        raise Fail("echo %r, expected %r" % (got, data))


@check("slow-backend", own_server=True, tsan=True)
def slow_backend_answers_every_request(ctx):
    srv = ctx.start(*SLOW_ARGS)
    try:
        # Clients that reset while their request waits on the backend.
        for _ in range(3):
            s = connect(srv.port)
            s.sendall(GET.encode() if ctx.proto == "http" else b"x")
            time.sleep(0.005)
            reset_close(s)
        (http_round if ctx.proto == "http" else echo_round)(srv.port)
        time.sleep(0.1)  # the reset clients' jobs end while the server runs
        if not srv.alive():
            raise Fail("the server died: %s" % srv.stderr_tail())
        # A stop while a request waits on the backend.
        s = connect(srv.port)
        s.sendall(GET.encode() if ctx.proto == "http" else b"x")
        time.sleep(0.005)
        rc, took = srv.stop()
        s.close()
        if rc != 0:
            raise Fail("exit status %s after SIGTERM with a request waiting: %s"
                       % (rc, srv.stderr_tail()))
        if took > 1.0:
            raise Fail("took %.2f s to exit with a request waiting" % took)
    finally:
        srv.stop()
