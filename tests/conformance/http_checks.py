"""http_checks.py - the HTTP/1.1 workload, good requests and bad.

Every good answer to `GET /` is checked header by header (expect_hello).
Every bad input is sent together with a second, valid request in the same
write (the smuggling attempt): the server must answer the bad one with the
right status, close, never answer the smuggled one, and still serve the next
client.
"""
import time

from registry import check
from wire import Fail, HttpConn, check_date

GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"


def expect_hello(resp, head_only=False, versions=("HTTP/1.1",)):
    """Fails unless resp is exactly the 200 answer to GET / (or HEAD /)."""
    if resp is None:
        raise Fail("connection closed without a response")
    line = "%s %d %s" % (resp.version, resp.status, resp.reason)
    if resp.version not in versions or resp.status != 200 or resp.reason != "OK":
        raise Fail("status line %r, expected '%s 200 OK'" % (line, versions[-1]))
    if resp.get("Content-Type") != "text/plain":
        raise Fail("Content-Type %r, expected 'text/plain'" % resp.get("Content-Type"))
    if resp.get("Content-Length") != "13":
        raise Fail("Content-Length %r, expected '13'" % resp.get("Content-Length"))
    if not resp.get("Server"):
        raise Fail("no Server header in %r" % resp)
    check_date(resp.get("Date"))
    if not head_only and resp.body != b"Hello, World!":
        raise Fail("body %r, expected 'Hello, World!'" % resp.body)


def expect_status(resp, status):
    if resp is None:
        raise Fail("connection closed without a response (expected %d)" % status)
    if resp.status != status:
        raise Fail("status %d %s, expected %d (head %r)"
                   % (resp.status, resp.reason, status, resp.head[:120]))


def fetch(port, request=GET, head_only=False):
    """Sends one request on a new connection and returns (conn, response)."""
    conn = HttpConn(port)
    conn.send(request)
    return conn, conn.read_response(head_only)


@check("get-root-headers", protos=("http",), tsan=True)
def get_root_has_exact_headers(ctx):
    conn, resp = fetch(ctx.port)
    conn.close()
    expect_hello(resp)


@check("keep-alive", protos=("http",), tsan=True)
def keep_alive_serves_several_requests(ctx):
    conn = HttpConn(ctx.port)
    try:
        for i in range(5):
            conn.send(GET)
            try:
                expect_hello(conn.read_response())
            except Fail as e:
                raise Fail("request %d of 5 on one connection: %s" % (i + 1, e))
    finally:
        conn.close()


# Requests of the pipelining check cycle through three kinds, so answers in
# the wrong order are noticed: (request, expected status, HEAD?).
PIPELINE_KINDS = [
    (GET, 200, False),
    ("GET /missing-%d HTTP/1.1\r\nHost: localhost\r\n\r\n", 404, False),
    ("HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n", 200, True),
]


@check("pipeline-100", protos=("http",), tsan=True)
def pipelined_requests_answered_in_order(ctx):
    kinds = [PIPELINE_KINDS[i % 3] for i in range(100)]
    batch = "".join(req.replace("%d", str(i)) for i, (req, _, _) in enumerate(kinds))
    conn = HttpConn(ctx.port)
    try:
        conn.send(batch)
        for i, (_, status, head_only) in enumerate(kinds):
            try:
                resp = conn.read_response(head_only)
                expect_status(resp, status)
                if status == 200:
                    expect_hello(resp, head_only)
            except Fail as e:
                raise Fail("response %d of 100: %s" % (i + 1, e))
        conn.send(GET)  # the connection is still good after the batch
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("single-byte-writes", protos=("http",))
def request_sent_one_byte_at_a_time(ctx):
    conn = HttpConn(ctx.port)
    try:
        for byte in GET:
            conn.send(byte)
            time.sleep(0.001)
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("http10-closes", protos=("http",))
def http10_closes_after_response(ctx):
    conn, resp = fetch(ctx.port, "GET / HTTP/1.0\r\n\r\n")
    try:
        expect_hello(resp, versions=("HTTP/1.0", "HTTP/1.1"))
        conn.expect_closed()
    finally:
        conn.close()


@check("http10-keep-alive", protos=("http",))
def http10_keep_alive_is_honoured(ctx):
    req = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    conn, resp = fetch(ctx.port, req)
    try:
        expect_hello(resp, versions=("HTTP/1.0", "HTTP/1.1"))
        if "keep-alive" not in (resp.get("Connection") or "").lower():
            raise Fail("no 'Connection: keep-alive' in the 1.0 answer: %r" % resp.head)
        conn.send(req)
        expect_hello(conn.read_response(), versions=("HTTP/1.0", "HTTP/1.1"))
    finally:
        conn.close()


@check("connection-close", protos=("http",))
def connection_close_on_11_closes(ctx):
    req = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    conn, resp = fetch(ctx.port, req)
    try:
        expect_hello(resp)
        if (resp.get("Connection") or "").lower() != "close":
            raise Fail("answer lacks 'Connection: close': %r" % resp.head)
        conn.expect_closed()
    finally:
        conn.close()


@check("head", protos=("http",))
def head_has_headers_but_no_body(ctx):
    """A body after the HEAD answer would corrupt the next status line."""
    conn, resp = fetch(ctx.port, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n", True)
    try:
        expect_hello(resp, head_only=True)
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("body-discarded", protos=("http",))
def content_length_body_is_skipped(ctx):
    """A small body in the same write as the next request, then a 100 kB body
    in several writes: both following requests are answered."""
    small = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
    conn = HttpConn(ctx.port)
    try:
        conn.send(small + GET)
        expect_hello(conn.read_response())
        expect_hello(conn.read_response())
        conn.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(10):
            conn.send("GET / HTTP/1.1\r\n" * 625)  # 10 kB that look like requests
        conn.send(GET)
        expect_hello(conn.read_response())
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("not-found", protos=("http",))
def other_path_is_404_and_keeps_alive(ctx):
    conn, resp = fetch(ctx.port, "GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n")
    try:
        expect_status(resp, 404)
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


# name, request head (the smuggled request follows it in the same write),
# expected status.
BAD_INPUTS = [
    ("bad-request-line", "GARBAGE\r\nHost: localhost\r\n\r\n", 400),
    ("bad-header-line", "GET / HTTP/1.1\r\nHost localhost\r\n\r\n", 400),
    ("head-over-8KiB", "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n"
     % ("a" * 9000), 431),
    ("content-length-minus-1", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
    ("content-length-plus-5", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
    ("content-length-hex", "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400),
    ("content-length-abc", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
    ("content-length-overflow",
     "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 400),
    ("content-length-conflict",
     "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
    ("transfer-encoding-chunked",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
    ("transfer-encoding-gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("transfer-encoding-and-content-length",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
]


def expect_rejected(port, request, status):
    """The bad request gets `status`, the connection closes, the request
    smuggled behind it is never answered, and a new client is served."""
    conn = HttpConn(port)
    try:
        conn.send(request + SMUGGLED)
        expect_status(conn.read_response(), status)
        try:
            conn.expect_closed()
        except Fail as e:
            raise Fail("after the %d: %s" % (status, e))
    finally:
        conn.close()
    try:
        conn, resp = fetch(port)
        conn.close()
        expect_hello(resp)
    except Fail as e:
        raise Fail("the next client was not served: %s" % e)


def make_bad_input_check(name, request, status):
    @check(name, protos=("http",), tsan=(name == "content-length-conflict"))
    def bad_input_is_rejected(ctx):
        expect_rejected(ctx.port, request, status)
    bad_input_is_rejected.__doc__ = ("%s, with a request smuggled behind it: %d, "
                                     "closed, the smuggled one unanswered, next client "
                                     "served." % (name, status))


for _name, _request, _status in BAD_INPUTS:
    make_bad_input_check(_name, _request, _status)
