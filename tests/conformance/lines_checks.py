"""lines_checks.py - the seed article's stateful echo (--proto lines).

Every line is answered with the previous line of the same connection, a
space, and the line itself; the first line alone.  Bad input (a line over
1024 bytes, bytes that are not text) is answered with a one-line message,
then the server closes.  lib/lines.h is the specification these follow.
"""
import socket
import time

from registry import check
from wire import Fail, connect, recv_until_closed

TOO_LONG = b"error: line too long (limit 1024 bytes)\n"
NOT_TEXT = b"error: not text\n"


class LinesConn:
    """A client connection that reads the answers one line at a time;
    `with LinesConn(port) as c:` closes it however the block ends."""

    def __init__(self, port):
        self.sock = connect(port)
        self.buf = bytearray()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_line(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise Fail("no answer within %.0f s (have %r)"
                           % (self.sock.gettimeout(), bytes(self.buf[:200])))
            if not chunk:
                raise Fail("server closed instead of answering (have %r)"
                           % bytes(self.buf[:200]))
            self.buf += chunk
        end = self.buf.index(b"\n") + 1
        line = bytes(self.buf[:end])
        del self.buf[:end]
        return line

    def expect(self, sent, want):
        """Sends `sent` and fails unless the next answers are `want`."""
        if sent:
            self.send(sent)
        for w in want:
            got = self.read_line()
            if got != w:
                raise Fail("sent %r: answer %r, expected %r" % (sent[:60], got[:80], w[:80]))


def expect_refused(port, data, message, what):
    """Sends data (then stops sending) and fails unless the server answers
    with message alone and closes."""
    with connect(port) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before the last bytes are out
        got, how = recv_until_closed(s)
    if got != message or how != "eof":
        raise Fail("%s: got %r and %s, expected %r then a close"
                   % (what, got[:80], "a close" if how == "eof" else how, message))


@check("lines-state", protos=("lines",), tsan=True)
def each_answer_is_previous_and_current_line(ctx):
    """"Hello World!:n" lines one at a time: the first is answered alone,
    every later one with the previous line, a space and itself."""
    with LinesConn(ctx.port) as c:
        c.expect(b"Hello World!:1\n", [b"Hello World!:1\n"])
        for n in range(2, 12):
            c.expect(b"Hello World!:%d\n" % n, [b"Hello World!:%d Hello World!:%d\n" % (n - 1, n)])


@check("lines-state-per-connection", protos=("lines",), concurrent=True, tsan=True)
def each_connection_keeps_its_own_previous_line(ctx):
    """Two connections, lines interleaved: each answer names the previous
    line of its own connection, never the other's."""
    with LinesConn(ctx.port) as a, LinesConn(ctx.port) as b:
        a.expect(b"a1\n", [b"a1\n"])
        b.expect(b"b1\n", [b"b1\n"])
        a.expect(b"a2\n", [b"a1 a2\n"])
        b.expect(b"b2\n", [b"b1 b2\n"])
    with LinesConn(ctx.port) as c:  # a new connection starts afresh
        c.expect(b"c1\n", [b"c1\n"])


@check("lines-crlf", protos=("lines",))
def crlf_endings_are_accepted_and_dropped(ctx):
    """"\\r\\n" ends a line like "\\n"; the "\\r" is not part of the line,
    and answers end with "\\n" alone.  An empty line is a line."""
    with LinesConn(ctx.port) as c:
        c.expect(b"one\r\n", [b"one\n"])
        c.expect(b"two\n", [b"one two\n"])
        c.expect(b"\r\n", [b"two \n"])
        c.expect(b"three\r\n", [b" three\n"])


@check("lines-split-reads", protos=("lines",))
def a_line_split_across_reads_is_one_line(ctx):
    """A line arriving in pieces (inside a word, inside a UTF-8 character,
    between "\\r" and "\\n") is answered once, whole."""
    with LinesConn(ctx.port) as c:
        for piece in (b"Hello Wo", b"rld!:1 caf\xc3", b"\xa9\r"):
            c.send(piece)
            time.sleep(0.05)
        c.expect(b"\n", [b"Hello World!:1 caf\xc3\xa9\n"])
        for byte in b"x\ty\n":
            c.send(bytes([byte]))
        c.expect(b"", [b"Hello World!:1 caf\xc3\xa9 x\ty\n"])


@check("lines-one-write", protos=("lines",), tsan=True)
def several_lines_in_one_write_get_an_answer_each(ctx):
    """Three lines, and the start of a fourth, in one write: three answers
    in order, then the fourth once its end arrives."""
    with LinesConn(ctx.port) as c:
        c.expect(b"a\nb\nc\nd", [b"a\n", b"a b\n", b"b c\n"])
        c.expect(b"\n", [b"c d\n"])
        many = b"".join(b"%d\n" % i for i in range(1, 501))
        c.expect(many, [b"d 1\n"] + [b"%d %d\n" % (i - 1, i) for i in range(2, 501)])


@check("lines-utf8", protos=("lines",))
def utf8_text_is_text(ctx):
    """Two-, three- and four-byte UTF-8 characters and tabs are text, and
    a line of exactly 1024 bytes (with "\\n" or "\\r\\n") is within the limit."""
    with LinesConn(ctx.port) as c:
        text = "é € 😀 \tß".encode()
        c.expect(text + b"\n", [text + b"\n"])
        full = b"y" * 1024
        c.expect(full + b"\n", [text + b" " + full + b"\n"])
        c.expect(full + b"\r\n", [full + b" " + full + b"\n"])


@check("lines-too-long", protos=("lines",), tsan=True)
def a_line_over_the_limit_is_refused(ctx):
    """A line of 1025 bytes gets the "line too long" message and a close,
    even after good lines; so does 1 MiB with no newline at all, without
    the server waiting for its end or keeping it."""
    expect_refused(ctx.port, b"z" * 1025 + b"\n", TOO_LONG, "1025-byte line")
    with connect(ctx.port) as s:
        s.sendall(b"first\n")
        got = s.recv(100)
        if got != b"first\n":
            raise Fail("a good line got %r" % got)
        s.sendall(b"z" * 1025 + b"\r\n")
        got, how = recv_until_closed(s)
        if got != TOO_LONG or how != "eof":
            raise Fail("1025 bytes after a good line: got %r (%s)" % (got[:80], how))
    expect_refused(ctx.port, b"w" * (1 << 20), TOO_LONG, "1 MiB without a newline")


@check("lines-not-text", protos=("lines",))
def bytes_that_are_not_text_are_refused(ctx):
    """Control characters (NUL, ESC, DEL, a "\\r" inside a line, C1 in
    UTF-8), bytes that are not UTF-8 (0xFF, a lone continuation byte, an
    overlong "/", a surrogate, above U+10FFFF) get "not text" and a close,
    at once: the server does not wait for the newline."""
    cases = [(b"a\x00b\n", "NUL"), (b"esc\x1b[0m\n", "ESC"), (b"del\x7f\n", "DEL"),
             (b"a\rb\n", "bare CR"), (b"c1\xc2\x85\n", "C1 NEL"), (b"\xff\n", "0xFF"),
             (b"x\x80\n", "continuation"), (b"\xc0\xaf\n", "overlong"),
             (b"\xed\xa0\x80\n", "surrogate"), (b"\xf4\x90\x80\x80\n", "above U+10FFFF")]
    for data, what in cases:
        expect_refused(ctx.port, data, NOT_TEXT, what)
    with connect(ctx.port) as s:  # no newline: refused as soon as it arrives
        s.sendall(b"binary\x01")
        got = s.recv(100)
        if got != NOT_TEXT:
            raise Fail("a control byte without a newline got %r, expected %r at once"
                       % (got, NOT_TEXT))


@check("lines-bad-client-alone", protos=("lines",), concurrent=True, tsan=True)
def a_bad_client_does_not_disturb_the_others(ctx):
    """While one client is mid-conversation, others send a long line, binary
    bytes, and vanish with a reset: the first keeps its state and a new
    client is served."""
    with LinesConn(ctx.port) as a:
        a.expect(b"keep1\n", [b"keep1\n"])
        expect_refused(ctx.port, b"q" * 5000, TOO_LONG, "5000-byte line")
        expect_refused(ctx.port, b"\x00\x01\x02\n", NOT_TEXT, "binary")
        s = connect(ctx.port)
        s.sendall(b"half a li")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        s.close()
        a.expect(b"keep2\n", [b"keep1 keep2\n"])
    with LinesConn(ctx.port) as b:
        b.expect(b"new\n", [b"new\n"])
