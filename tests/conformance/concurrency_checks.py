"""concurrency_checks.py - many clients at once, and one that stalls.

Not run for models whose source says ' * Concurrency: none' (the iterative
server serves one connection at a time by design).
"""
import errno
import selectors
import socket
import time

from echo_checks import expect_echo
from http_checks import GET, expect_hello, fetch
from registry import check
from wire import Fail, connect, parse_head

CLIENTS = 200


def message_for(proto, i):
    if proto == "http":
        return GET.encode()
    return ("client %03d says hello\n" % i).encode() * 4


def answer_complete(proto, msg, buf):
    """True once buf holds the whole answer to msg (and it is right)."""
    if proto == "echo":
        if not msg.startswith(bytes(buf[:len(msg)])) or len(buf) > len(msg):
            raise Fail("echo %r differs from what was sent" % bytes(buf[:60]))
        return len(buf) == len(msg)
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    resp = parse_head(buf[:end].decode("latin-1"))
    length = int(resp.get("Content-Length") or 0)
    if len(buf) < end + 4 + length:
        return False
    resp.body = bytes(buf[end + 4:end + 4 + length])
    expect_hello(resp)
    return True


def open_clients(port, n):
    """n non-blocking connects started at once."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    return socks


@check("concurrent-200", concurrent=True, tsan=True)
def two_hundred_clients_at_once(ctx):
    """200 connections are opened before any is answered; each sends one
    request (or echo message) and is closed as soon as its answer is whole,
    so even a model with a few blocking workers gets through them."""
    sel = selectors.DefaultSelector()
    socks = open_clients(ctx.port, CLIENTS)
    state = {}
    for i, s in enumerate(socks):
        state[s] = (message_for(ctx.proto, i), bytearray())
        sel.register(s, selectors.EVENT_WRITE)
    done, deadline = 0, time.monotonic() + 20
    try:
        while done < CLIENTS and time.monotonic() < deadline:
            for key, ev in sel.select(0.5):
                done += serve_event(sel, key.fileobj, ev, state, ctx.proto)
        if done < CLIENTS:
            raise Fail("only %d of %d clients answered within 20 s" % (done, CLIENTS))
    finally:
        sel.close()
        for s in socks:
            s.close()


def serve_event(sel, s, ev, state, proto):
    """Advances one client: send its message once connected, collect the
    answer.  Returns 1 when that client is finished."""
    msg, buf = state[s]
    if ev & selectors.EVENT_WRITE:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise Fail("connect failed: %s" % errno.errorcode.get(err, err))
        s.send(msg)  # short, so it always fits an empty socket buffer
        sel.modify(s, selectors.EVENT_READ)
        return 0
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        raise Fail("a client was reset after %d bytes of its answer" % len(buf))
    if not chunk:
        raise Fail("a client was closed after %d bytes of its answer" % len(buf))
    buf += chunk
    if answer_complete(proto, msg, buf):
        sel.unregister(s)
        s.close()
        return 1
    return 0


@check("idle-client-does-not-block", concurrent=True, tsan=True)
def stalled_client_does_not_block_others(ctx):
    """One client sends half a request (HTTP) or a byte it never reads back
    (echo) and stalls; another client must be served within 1 s meanwhile."""
    with connect(ctx.port) as idle:
        idle.sendall(b"GET / HTTP/1.1\r\nHo" if ctx.proto == "http" else b"x")
        time.sleep(0.1)  # let the server pick the stalled client up first
        start = time.monotonic()
        if ctx.proto == "http":
            conn, resp = fetch(ctx.port)
            conn.close()
            expect_hello(resp)
        else:
            expect_echo(ctx.port, 1000)
        took = time.monotonic() - start
        if took > 1.0:
            raise Fail("the other client waited %.2f s behind a stalled one" % took)
