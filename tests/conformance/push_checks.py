"""push_checks.py - server push: SSE, long polling and WebSocket (lib/push.c).

The shared server publishes at the default 10 Hz, so event k is published
at k * 100000 us of CLOCK_REALTIME with the text "seq=<k> t=<k*100000>",
and a check waits at most a few ticks.  Event-loop models answer WebSocket
frames at the next tick (lib/push.h), so replies are awaited for a second.
Every bad input must get its answer (400, or a close frame with the RFC
6455 status) and a close, and the server must go on serving (checked with
a GET / after each one).
"""
import os
import re
import socket
import struct
import time

from registry import check
from wire import Fail, connect, parse_head, recv_until_closed
from http_checks import GET, expect_hello
from wire import HttpConn

PERIOD_US = 100000  # the default --publish-hz 10
EVENT = re.compile(r"^seq=(\d+) t=(\d+)$")
SSE_EVENT = re.compile(r"^id: (\d+)\ndata: seq=(\d+) t=(\d+)$")

# RFC 6455 section 1.3's example.
RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def newest():
    return int(time.time() * 1e6) // PERIOD_US


def check_event(seq, t):
    """An event's publish time is its number times the period, and it was
    published before it arrived, not long ago."""
    if t != seq * PERIOD_US:
        raise Fail("event %d has t=%d, expected %d" % (seq, t, seq * PERIOD_US))
    now = time.time() * 1e6
    if not (now - 60e6 < t <= now + 1e5):
        raise Fail("event %d published at %d, but now is %d" % (seq, t, now))


def read_head(sock, buf):
    """Reads a response head; returns (Response, rest of the bytes)."""
    deadline = time.monotonic() + 5
    while b"\r\n\r\n" not in buf:
        if time.monotonic() > deadline:
            raise Fail("no response head within 5 s: %r" % bytes(buf[:200]))
        chunk = sock.recv(65536)
        if not chunk:
            raise Fail("closed before a response head (have %r)" % bytes(buf[:200]))
        buf += chunk
    end = buf.index(b"\r\n\r\n")
    return parse_head(buf[:end].decode("latin-1")), bytearray(buf[end + 4:])


def still_serving(port):
    """The server answers GET / on a new connection."""
    conn = HttpConn(port)
    try:
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


# ---- server-sent events ----

def sse_open(port, extra=""):
    s = connect(port)
    s.sendall(("GET /events HTTP/1.1\r\nHost: x\r\n%s\r\n" % extra).encode())
    resp, rest = read_head(s, bytearray())
    if resp.status != 200:
        raise Fail("GET /events answered %d, expected 200" % resp.status)
    if resp.get("Content-Type") != "text/event-stream":
        raise Fail("Content-Type %r, expected text/event-stream" % resp.get("Content-Type"))
    if resp.get("Cache-Control") != "no-cache":
        raise Fail("Cache-Control %r, expected no-cache" % resp.get("Cache-Control"))
    for h in ("Content-Length", "Transfer-Encoding"):
        if resp.get(h) is not None:
            raise Fail("an event stream with %s: %r" % (h, resp.head))
    return s, rest


def sse_events(s, buf, count, timeout=3.0):
    """Reads count events; returns [(seq, t)] and the bytes left over."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < count:
        while b"\n\n" not in buf:
            if time.monotonic() > deadline:
                raise Fail("%d of %d events within %.0f s (have %r)"
                           % (len(out), count, timeout, bytes(buf[:200])))
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Fail("stream closed after %d events" % len(out))
            buf += chunk
        end = buf.index(b"\n\n")
        text = buf[:end].decode("latin-1")
        del buf[:end + 2]
        m = SSE_EVENT.match(text)
        if not m or m.group(1) != m.group(2):
            raise Fail("bad event %r" % text)
        seq, t = int(m.group(2)), int(m.group(3))
        check_event(seq, t)
        out.append((seq, t))
    return out, buf


def expect_consecutive(seqs, what):
    for a, b in zip(seqs, seqs[1:]):
        if b != a + 1:
            raise Fail("%s: seq %d followed by %d" % (what, a, b))


@check("push-sse-stream", protos=("http",), tsan=True)
def sse_stream_sends_consecutive_events(ctx):
    """GET /events: text/event-stream without a length, then one event per
    publish tick, consecutive, starting after the subscription, each as
    'id: k / data: seq=k t=k*period'."""
    before = newest()
    s, buf = sse_open(ctx.port)
    try:
        events, _ = sse_events(s, buf, 3)
    finally:
        s.close()
    if events[0][0] <= before:
        raise Fail("first event %d was published before the subscription (%d)"
                   % (events[0][0], before))
    expect_consecutive([e[0] for e in events], "stream")


@check("push-sse-resume", protos=("http",))
def sse_resume_sends_missed_events(ctx):
    """Last-Event-ID: j sends j+1 onwards at once; at most 64 of them."""
    j = newest() - 5
    s, buf = sse_open(ctx.port, "Last-Event-ID: %d\r\n" % j)
    try:
        events, _ = sse_events(s, buf, 5, timeout=0.09)  # before the next tick
    finally:
        s.close()
    if events[0][0] != j + 1:
        raise Fail("resume after %d started at %d" % (j, events[0][0]))
    expect_consecutive([e[0] for e in events], "resume")
    j = newest() - 500
    s, buf = sse_open(ctx.port, "Last-Event-ID: %d\r\n" % j)
    try:
        events, _ = sse_events(s, buf, 1)
    finally:
        s.close()
    if not newest() - 64 <= events[0][0] <= newest() - 62:
        raise Fail("resume after %d (500 back) started at %d, expected the newest 64"
                   % (j, events[0][0]))


# ---- long polling ----

def poll(conn, since=None):
    """Sends GET /poll[?since=]; returns (Response, body lines, seconds)."""
    t0 = time.monotonic()
    conn.send("GET /poll%s HTTP/1.1\r\nHost: x\r\n\r\n"
              % ("" if since is None else "?since=%d" % since))
    resp = conn.read_response()
    took = time.monotonic() - t0
    if resp is None:
        raise Fail("closed without answering a poll")
    lines = resp.body.decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return resp, lines, took


def poll_events(resp, lines):
    if resp.status != 200 or resp.get("Content-Type") != "text/plain":
        raise Fail("poll answered %d %r, expected 200 text/plain"
                   % (resp.status, resp.get("Content-Type")))
    out = []
    for line in lines:
        m = EVENT.match(line)
        if not m:
            raise Fail("bad poll line %r" % line)
        check_event(int(m.group(1)), int(m.group(2)))
        out.append(int(m.group(1)))
    if not out:
        raise Fail("a 200 poll answer without events")
    expect_consecutive(out, "poll")
    return out


@check("push-poll", protos=("http",), tsan=True)
def poll_immediate_then_held(ctx):
    """/poll?since=k answers at once when events after k exist (the newest
    64 at most), else holds until the next tick; /poll alone waits for the
    next event; the connection stays alive for more requests."""
    conn = HttpConn(ctx.port)
    try:
        k = newest() - 3
        resp, lines, took = poll(conn, k)
        seqs = poll_events(resp, lines)
        if seqs[0] != k + 1 or took > 0.09:
            raise Fail("poll since %d: events %d.. after %.3f s, expected %d.. at once"
                       % (k, seqs[0], took, k + 1))
        resp, lines, took = poll(conn, seqs[-1])
        held = poll_events(resp, lines)
        if held[0] != seqs[-1] + 1 or took > 1.0:
            raise Fail("held poll since %d: %r after %.3f s" % (seqs[-1], held, took))
        resp, lines, took = poll(conn, newest() - 1000)
        if len(poll_events(resp, lines)) != 64:
            raise Fail("poll 1000 back: %d events, expected the newest 64" % len(lines))
        before = newest()
        resp, lines, took = poll(conn)
        if poll_events(resp, lines)[0] <= before:
            raise Fail("/poll without since answered old events %r" % lines)
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("push-poll-timeout", protos=("http",), own_server=True)
def poll_times_out_with_204(ctx):
    """A held poll with nothing new is answered 204 No Content (no body)
    after --poll-timeout-ms, and the connection stays alive."""
    srv = ctx.start("--publish-hz", "1", "--poll-timeout-ms", "200")
    conn = HttpConn(srv.port)
    try:
        since = int(time.time()) + 1000  # no event after it for 1000 s
        t0 = time.monotonic()
        conn.send("GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % since)
        while b"\r\n\r\n" not in conn.buf:
            if not conn._fill():
                raise Fail("closed instead of answering 204")
        took = time.monotonic() - t0
        end = conn.buf.index(b"\r\n\r\n")
        resp = parse_head(conn.buf[:end].decode("latin-1"))
        del conn.buf[:end + 4]
        if resp.status != 204 or resp.get("Content-Length") is not None:
            raise Fail("timed-out poll answered %r" % resp.head)
        if not 0.15 <= took <= 1.5:
            raise Fail("204 after %.3f s, expected about 0.2" % took)
        conn.send(GET)
        expect_hello(conn.read_response())
    finally:
        conn.close()


@check("push-poll-bad-since", protos=("http",))
def poll_bad_since_is_400(ctx):
    """/poll?since=abc is a bad request: 400 and close."""
    conn = HttpConn(ctx.port)
    try:
        conn.send("GET /poll?since=abc HTTP/1.1\r\nHost: x\r\n\r\n")
        resp = conn.read_response()
        if resp is None or resp.status != 400:
            raise Fail("answered %r, expected 400" % resp)
        conn.expect_closed()
    finally:
        conn.close()
    still_serving(ctx.port)


# ---- WebSocket ----

def frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """A client frame (masked unless mask=False); length overrides the
    declared payload length."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i & 3] for i, b in enumerate(payload))


class Ws:
    """A WebSocket client connection: frames in and out, events set aside."""

    def __init__(self, port, key=RFC_KEY):
        self.sock = connect(port)
        self.sock.sendall(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        self.resp, self.buf = read_head(self.sock, bytearray())
        self.events = []

    def close(self):
        self.sock.close()

    def _need(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                if time.monotonic() >= deadline:
                    raise Fail("no frame within the time (have %r)" % bytes(self.buf[:40]))
                continue
            except ConnectionResetError:
                raise Fail("connection reset while reading a frame")
            if not chunk:
                raise Fail("closed while reading a frame (have %r)" % bytes(self.buf[:40]))
            self.buf += chunk

    def read_frame(self, timeout=3.0):
        """Returns (fin, opcode, payload) of the next server frame."""
        deadline = time.monotonic() + timeout
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise Fail("the server masked a frame")
        if b0 & 0x70:
            raise Fail("reserved bits set in a server frame")
        n, head = b1 & 0x7f, 2
        if n == 126:
            self._need(4, deadline)
            n, head = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, head = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(head + n, deadline)
        payload = bytes(self.buf[head:head + n])
        del self.buf[:head + n]
        return bool(b0 & 0x80), b0 & 0x0f, payload

    def reply(self, timeout=3.0):
        """The next frame that is not an event (events are kept)."""
        while True:
            fin, op, payload = self.read_frame(timeout)
            if op == 1 and EVENT.match(payload.decode("latin-1")):
                m = EVENT.match(payload.decode())
                check_event(int(m.group(1)), int(m.group(2)))
                self.events.append(int(m.group(1)))
                continue
            return fin, op, payload

    def expect_close(self, status, what):
        """Our bad frame must get a close frame with status, then EOF."""
        fin, op, payload = self.reply()
        if op != 8:
            raise Fail("%s: got opcode %d %r, expected a close frame" % (what, op, payload[:40]))
        got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        if got != status:
            raise Fail("%s: close status %r, expected %d" % (what, got, status))
        data, how = recv_until_closed(self.sock, 3.0)
        if how == "open":
            raise Fail("%s: connection still open after the close frame" % what)


def ws_open(port):
    ws = Ws(port)
    if ws.resp.status != 101:
        raise Fail("handshake answered %d, expected 101" % ws.resp.status)
    if (ws.resp.get("Upgrade") or "").lower() != "websocket" or \
            (ws.resp.get("Connection") or "").lower() != "upgrade":
        raise Fail("101 without Upgrade: websocket / Connection: Upgrade: %r" % ws.resp.head)
    if ws.resp.get("Sec-WebSocket-Accept") != RFC_ACCEPT:
        raise Fail("Sec-WebSocket-Accept %r, RFC 6455's example says %r"
                   % (ws.resp.get("Sec-WebSocket-Accept"), RFC_ACCEPT))
    return ws


@check("push-ws-handshake", protos=("http",))
def ws_handshake_and_events(ctx):
    """The RFC's example key gets the RFC's accept key; then one unmasked
    text frame per event, consecutive."""
    ws = ws_open(ctx.port)
    seqs = []
    try:
        for _ in range(2):
            fin, op, payload = ws.read_frame()
            m = EVENT.match(payload.decode("latin-1")) if fin and op == 1 else None
            if not m:
                raise Fail("frame %d %r, expected an event" % (op, payload[:40]))
            check_event(int(m.group(1)), int(m.group(2)))
            seqs.append(int(m.group(1)))
    finally:
        ws.close()
    expect_consecutive(seqs, "websocket events")


@check("push-ws-echo", protos=("http",), tsan=True)
def ws_echo_ping_close(ctx):
    """Text (whole and in fragments) and binary frames are echoed, a ping
    gets its pong, and a close gets the same status back and the end."""
    ws = ws_open(ctx.port)
    try:
        msg = "héllo wörld".encode()
        ws.sock.sendall(frame(1, msg))
        if ws.reply() != (True, 1, msg):
            raise Fail("text echo wrong")
        big = os.urandom(70000)[:60000]
        ws.sock.sendall(frame(2, big))
        if ws.reply() != (True, 2, big):
            raise Fail("binary 60000-byte echo wrong")
        ws.sock.sendall(frame(1, msg[:2], fin=False) + frame(9, b"mid") +
                        frame(0, msg[2:], fin=True))
        got = [ws.reply(), ws.reply(), ws.reply()]
        if got != [(False, 1, msg[:2]), (True, 10, b"mid"), (True, 0, msg[2:])]:
            raise Fail("fragmented text with a ping inside: %r" % got)
        ws.sock.sendall(frame(9, b"ping!"))
        if ws.reply() != (True, 10, b"ping!"):
            raise Fail("no pong with the ping's payload")
        ws.sock.sendall(frame(8, struct.pack("!H", 1000) + b"bye"))
        ws.expect_close(1000, "close")
    finally:
        ws.close()
    still_serving(ctx.port)


BAD_FRAMES = [
    ("unmasked", frame(1, b"hi", mask=False), 1002),
    ("reserved-opcode", frame(3, b"hi"), 1002),
    ("reserved-bits", frame(1, b"hi", rsv=0x40), 1002),
    ("fragmented-ping", frame(9, b"x", fin=False), 1002),
    ("long-ping", frame(9, b"x" * 126), 1002),
    ("lone-continuation", frame(0, b"x"), 1002),
    ("oversized", frame(2, b"", length=70000), 1009),
    ("bad-utf8", frame(1, b"\xc3\x28"), 1007),
    ("surrogate-utf8", frame(1, b"\xed\xa0\x80"), 1007),
]


@check("push-ws-bad-frames", protos=("http",))
def ws_bad_frames_are_closed_with_status(ctx):
    """Unmasked frames, reserved opcodes and bits, bad control frames and
    continuations get 1002, a message over the limit 1009, text that is not
    UTF-8 1007; each then closes, and the server goes on serving."""
    for what, data, status in BAD_FRAMES:
        ws = ws_open(ctx.port)
        try:
            ws.sock.sendall(data)
            ws.expect_close(status, what)
        finally:
            ws.close()
    still_serving(ctx.port)


BAD_HANDSHAKES = [
    ("no key", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"),
    ("short key", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc=\r\n"
     "Sec-WebSocket-Version: 13\r\n"),
    ("version 8", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
     "Sec-WebSocket-Version: 8\r\n" % RFC_KEY),
    ("no upgrade", "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
     "Sec-WebSocket-Version: 13\r\n" % RFC_KEY),
]


@check("push-ws-bad-handshake", protos=("http",))
def ws_bad_handshake_is_400(ctx):
    """A /ws request without a valid key, version 13 or Upgrade is 400."""
    for what, headers in BAD_HANDSHAKES:
        conn = HttpConn(ctx.port)
        try:
            conn.send("GET /ws HTTP/1.1\r\nHost: x\r\n%s\r\n" % headers)
            resp = conn.read_response()
            if resp is None or resp.status != 400:
                raise Fail("%s: answered %r, expected 400" % (what, resp))
            conn.expect_closed()
        finally:
            conn.close()
    still_serving(ctx.port)


@check("push-stop-while-held", protos=("http",), own_server=True, tsan=True)
def stop_with_subscribers_held(ctx):
    """SIGTERM while an SSE stream, a held poll and a WebSocket wait for
    their next tick (blocking models in ppoll, event loops on a timer):
    exit 0 within 1 s with the stats line."""
    srv = ctx.start()
    held = [connect(srv.port) for _ in range(3)]
    try:
        held[0].sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        held[1].sendall(("GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n"
                         % (newest() + 10 ** 6)).encode())
        held[2].sendall(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n" % RFC_KEY).encode())
        read_head(held[0], bytearray())
        time.sleep(0.3)  # (iterative serves only the first; the others wait)
        rc, took = srv.stop()
        if rc is None or rc != 0 or took > 1.0:
            raise Fail("SIGTERM with subscribers held: status %s after %.1f s: %s"
                       % (rc, took, srv.stderr_tail()))
        if "stats:" not in srv.stdout():
            raise Fail("no stats line after SIGTERM")
    finally:
        for s in held:
            s.close()
