"""wire.py - client-side socket helpers for the conformance checks.

Everything here talks to 127.0.0.1 only, and every blocking call is bounded:
sockets carry a 5 s timeout and every loop runs against a deadline, so a
server that stalls makes a check fail instead of hanging the suite.
"""
import calendar
import re
import selectors
import socket
import struct
import time

SOCKET_TIMEOUT = 5.0


class Fail(Exception):
    """Raised by a check with the reason it failed (the text after 'why')."""


def connect(port, timeout=SOCKET_TIMEOUT, nodelay=True):
    """A connected blocking TCP socket to 127.0.0.1:port with a timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def reset_close(sock):
    """Closes with SO_LINGER 0, so the kernel sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def recv_until_closed(sock, timeout=SOCKET_TIMEOUT, limit=1 << 20):
    """Reads until EOF.  Returns (data, how) where how is 'eof', 'reset' or
    'open' (nothing more arrived within timeout and the peer did not close)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(data), "open"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return bytes(data), "open"
        except ConnectionResetError:
            return bytes(data), "reset"
        if not chunk:
            return bytes(data), "eof"
        data += chunk
    return bytes(data), "open"


def echo_exchange(sock, data, half_close=False, timeout=20.0):
    """Sends data while reading the echo at the same time, and returns what
    came back once len(data) bytes have arrived.  Reading concurrently is
    required: the server stops reading a connection while its 64 KiB of
    pending output is not drained, so write-then-read would deadlock.  With
    half_close the write side is shut down after the last byte and the
    server must then close (EOF) once it has echoed everything."""
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view, sent, got = memoryview(data), 0, bytearray()
    deadline = time.monotonic() + timeout
    progress = time.monotonic()
    eof = False
    try:
        while len(got) < len(data) or (half_close and not eof):
            now = time.monotonic()
            if now > deadline or now - progress > SOCKET_TIMEOUT:
                raise Fail("stalled: sent %d of %d bytes, received %d%s"
                           % (sent, len(data), len(got),
                              ", then no EOF" if len(got) == len(data) else ""))
            for _key, ev in sel.select(0.5):
                progress = time.monotonic()
                if ev & selectors.EVENT_WRITE and sent < len(data):
                    sent += _send_some(sock, view[sent:sent + 65536])
                    if sent == len(data):
                        if half_close:
                            sock.shutdown(socket.SHUT_WR)
                        sel.modify(sock, selectors.EVENT_READ)
                if ev & selectors.EVENT_READ:
                    chunk = _recv_some(sock)
                    if chunk == b"":
                        eof = True
                        if len(got) < len(data) or not half_close:
                            raise Fail("server closed after echoing %d of %d bytes"
                                       % (len(got), len(data)))
                    elif chunk:
                        got += chunk
            if len(got) > len(data):
                raise Fail("received %d bytes, more than the %d sent"
                           % (len(got), len(data)))
    finally:
        sel.close()
        sock.setblocking(True)
        sock.settimeout(SOCKET_TIMEOUT)
    return bytes(got)


def _send_some(sock, chunk):
    try:
        return sock.send(chunk)
    except BlockingIOError:
        return 0


def _recv_some(sock):
    """Returns bytes, b'' at EOF, or None when nothing was ready."""
    try:
        return sock.recv(262144)
    except BlockingIOError:
        return None
    except ConnectionResetError:
        raise Fail("connection reset by the server")


def first_difference(a, b):
    """The first offset where a and b differ (or the shorter length)."""
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return min(len(a), len(b))


class Response:
    """One parsed HTTP response: version ('HTTP/1.1'), status (int), reason,
    headers (list of (name, value) in order), body (bytes), head (raw text)."""

    def __init__(self, version, status, reason, headers, head):
        self.version, self.status, self.reason = version, status, reason
        self.headers, self.head, self.body = headers, head, b""

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def get(self, name):
        values = self.all(name)
        if len(values) > 1:
            raise Fail("header %s sent %d times: %r" % (name, len(values), values))
        return values[0] if values else None

    def __repr__(self):
        return repr(self.head + "\r\n\r\n" + self.body.decode("latin-1"))


class HttpConn:
    """An HTTP client connection that reads responses one at a time from a
    buffer, so that pipelined responses can be split exactly."""

    def __init__(self, port, timeout=SOCKET_TIMEOUT):
        self.sock = connect(port, timeout)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode("latin-1"))

    def _fill(self):
        """Reads more bytes into the buffer; False at EOF."""
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Fail("no response within %.0f s (have %r)"
                       % (self.sock.gettimeout(), bytes(self.buf[:200])))
        except ConnectionResetError:
            raise Fail("connection reset while reading a response (have %r)"
                       % bytes(self.buf[:200]))
        self.buf += chunk
        return bool(chunk)

    def read_response(self, head_only=False):
        """Reads one response; None if the server closed before sending a
        byte of it.  head_only: the response to HEAD has no body."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Fail("response head over 64 KiB: %r" % bytes(self.buf[:200]))
            if not self._fill():
                if not self.buf:
                    return None
                raise Fail("connection closed inside a response head: %r" % bytes(self.buf))
        end = self.buf.index(b"\r\n\r\n")
        head = self.buf[:end].decode("latin-1")
        del self.buf[:end + 4]
        resp = parse_head(head)
        length = resp.get("Content-Length")
        if length is None or not length.isdigit():
            raise Fail("response without a valid Content-Length: %r" % head)
        if not head_only:
            resp.body = self._read_exact(int(length))
        return resp

    def _read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise Fail("connection closed inside a response body")
        body = bytes(self.buf[:n])
        del self.buf[:n]
        return body

    def expect_closed(self, timeout=SOCKET_TIMEOUT):
        """Fails unless the server closes with nothing more to say."""
        data, how = recv_until_closed(self.sock, timeout)
        data = bytes(self.buf) + data
        if data:
            raise Fail("unexpected bytes after the response: %r" % data[:200])
        if how == "open":
            raise Fail("connection still open %.0f s after the response" % timeout)


STATUS_LINE = re.compile(r"^(HTTP/1\.[01]) (\d{3}) ([^\r\n]*)$")
HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$")


def parse_head(head):
    """Parses a response head (without the blank line) strictly."""
    lines = head.split("\r\n")
    m = STATUS_LINE.match(lines[0])
    if not m:
        raise Fail("bad status line %r" % lines[0])
    headers = []
    for line in lines[1:]:
        h = HEADER_LINE.match(line)
        if not h:
            raise Fail("bad header line %r" % line)
        headers.append((h.group(1), h.group(2)))
    return Response(m.group(1), int(m.group(2)), m.group(3), headers, head)


DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
IMF_FIXDATE = re.compile(r"^(%s), (\d\d) (%s) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$"
                         % ("|".join(DAYS), "|".join(MONTHS)))


def check_date(value, now=None, slack=3.0):
    """Fails unless value is an RFC 7231 IMF-fixdate within slack seconds of
    now (the server refreshes its cached Date once a second)."""
    m = IMF_FIXDATE.match(value or "")
    if not m:
        raise Fail("Date %r is not an RFC 7231 IMF-fixdate" % value)
    day, mday, mon, year, hh, mm, ss = m.groups()
    try:
        t = calendar.timegm((int(year), MONTHS.index(mon) + 1, int(mday),
                             int(hh), int(mm), int(ss), 0, 0, 0))
        weekday = time.gmtime(t).tm_wday
    except (ValueError, OverflowError):
        raise Fail("Date %r is not a real date" % value)
    if time.gmtime(t)[:6] != (int(year), MONTHS.index(mon) + 1, int(mday),
                              int(hh), int(mm), int(ss)):
        raise Fail("Date %r is not a real date" % value)
    if DAYS[weekday] != day:
        raise Fail("Date %r: that day is a %s" % (value, DAYS[weekday]))
    now = time.time() if now is None else now
    if abs(t - now) > slack:
        raise Fail("Date %r is %.1f s away from the clock" % (value, t - now))
