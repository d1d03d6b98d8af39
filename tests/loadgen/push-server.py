#!/usr/bin/python3
"""push-server.py - a stand-in push server for the load generator's tests.

It follows the push wire format (clients/README.md, "Push subscribers")
and nothing else, so that `loadgen --subscribe` can be tested without
the servers in lib/:

  GET /events  server-sent events; Last-Event-ID resumes (at most 64)
  GET /poll    long polling, ?since=<k>; 204 after --poll-timeout-ms
  GET /ws      WebSocket (RFC 6455): the handshake with hashlib + base64,
               one text frame per event; a client frame that is not
               masked gets a close 1002; a close gets a close back
  anything else: 404

Event k is published at k * period microseconds of CLOCK_REALTIME
(period = 1e6 / --publish-hz) and reads "seq=<k> t=<publish_us>".

Faults, for the tests to count:
  --skip-seq K     event K is never sent to anyone (subscribers see a gap)
  --skip-in S      the same for the first event published S seconds after
                   the server is listening (a test's clock need not guess
                   how long the start took)
  --close-once N   the first connection to have sent N events is closed,
                   once in the server's life (a subscriber reconnects)
  --late-ms D      every event goes out D ms after its t= (a slow server:
                   the events of the run's last D ms arrive after its end)

Started as `push-server.py --port 0 ...`, it prints "listening on
127.0.0.1:PORT" like the servers; on SIGTERM it prints one line
"stats: connections=.. requests=.. masked=.. unmasked=.. closes=..
resumed=.. sent=.." (masked/unmasked: client WebSocket frames received;
closes: close frames answered; resumed: requests with Last-Event-ID or
since=) and exits.  It exits by itself after --lifetime seconds (60).
"""
import argparse
import asyncio
import base64
import hashlib
import math
import os
import signal
import struct
import sys
import time

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_BACKLOG = 64  # events sent at once on resume, as the wire format says

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--publish-hz", type=float, default=10)
ap.add_argument("--poll-timeout-ms", type=int, default=30000)
ap.add_argument("--skip-seq", type=int, default=-1)
ap.add_argument("--skip-in", type=float, default=0)
ap.add_argument("--close-once", type=int, default=0)
ap.add_argument("--late-ms", type=float, default=0)
ap.add_argument("--lifetime", type=float, default=60)
args, _ = ap.parse_known_args()  # model options (--proto http, ...) ignored

PERIOD_US = 1e6 / args.publish_hz if args.publish_hz > 0 else 0
stats = dict(connections=0, requests=0, masked=0, unmasked=0, closes=0, resumed=0, sent=0)
state = {"newest": -1, "changed": None, "closed_once": False}


def now_us():
    return time.time_ns() // 1000


def event_text(k):
    return f"seq={k} t={int(k * PERIOD_US)}"


def pending(after):
    """The events a subscriber that has seen `after` is owed: the newest 64
    at most, without the skipped one."""
    first = max(after + 1, state["newest"] - MAX_BACKLOG + 1)
    return [k for k in range(first, state["newest"] + 1) if k != args.skip_seq]


async def publisher():
    while True:
        late_us = args.late_ms * 1000
        k = math.floor((now_us() - late_us) / PERIOD_US) + 1
        await asyncio.sleep(max(0, (k * PERIOD_US + late_us - now_us()) / 1e6))
        state["newest"] = k
        state["changed"].set()
        state["changed"] = asyncio.Event()


def maybe_close_once(sent):
    """True (once) when this connection must be cut for --close-once."""
    if args.close_once and not state["closed_once"] and sent >= args.close_once:
        state["closed_once"] = True
        return True
    return False


async def stream(writer, after, frame):
    """Writes every event after `after` as frame(k), then each new one."""
    sent = 0
    while True:
        waiter = state["changed"]
        for k in pending(after):
            writer.write(frame(k))
            sent += 1
            stats["sent"] += 1
            after = k
        after = max(after, state["newest"])
        await writer.drain()
        if maybe_close_once(sent):
            return
        await waiter.wait()


def sse_frame(k):
    return f"id: {k}\ndata: {event_text(k)}\n\n".encode()


def ws_frame(payload, opcode=0x1):
    n = len(payload)
    head = bytes([0x80 | opcode, n]) if n < 126 else struct.pack("!BBH", 0x80 | opcode, 126, n)
    return head + payload


async def ws_reader(reader, writer):
    """Reads client frames: counts masked ones, answers a close, and closes
    with 1002 on an unmasked one.  Returns when the connection must end."""
    while True:
        b0, b1 = await reader.readexactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", await reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await reader.readexactly(8))[0]
        if not b1 & 0x80:
            stats["unmasked"] += 1
            writer.write(ws_frame(struct.pack("!H", 1002), 0x8))
            return
        stats["masked"] += 1
        mask = await reader.readexactly(4)
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(await reader.readexactly(n)))
        opcode = b0 & 0x0F
        if opcode == 0x8:
            stats["closes"] += 1
            writer.write(ws_frame(data[:2], 0x8))
            return
        if opcode == 0x9:
            writer.write(ws_frame(data, 0xA))
        elif opcode == 0x1:
            writer.write(ws_frame(data, 0x1))


async def serve_ws(reader, writer, headers):
    key = headers.get("sec-websocket-key", "")
    if headers.get("upgrade", "").lower() != "websocket" or not key:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
    sender = asyncio.ensure_future(stream(writer, state["newest"],
                                          lambda k: ws_frame(event_text(k).encode())))
    receiver = asyncio.ensure_future(ws_reader(reader, writer))
    await asyncio.wait([sender, receiver], return_when=asyncio.FIRST_COMPLETED)
    sender.cancel()
    receiver.cancel()


async def serve_poll(writer, query, conn):
    """One long poll; returns (keep the connection open?).  conn["sent"]
    counts the events sent on this connection, for --close-once."""
    since = state["newest"]
    if query.startswith("since="):
        since = int(query[6:])
        stats["resumed"] += 1
    deadline = time.monotonic() + args.poll_timeout_ms / 1000
    while not pending(since):
        try:
            await asyncio.wait_for(state["changed"].wait(), deadline - time.monotonic())
        except asyncio.TimeoutError:
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            return True
    events = pending(since)
    body = "".join(event_text(k) + "\n" for k in events).encode()
    stats["sent"] += len(events)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                 % len(body) + body)
    conn["sent"] += len(events)
    return not maybe_close_once(conn["sent"])


async def serve(reader, writer):
    stats["connections"] += 1
    conn = {"sent": 0}
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            stats["requests"] += 1
            line, *rest = head.split("\r\n")
            target = line.split(" ")[1] if len(line.split(" ")) == 3 else ""
            path, _, query = target.partition("?")
            headers = {h.split(":", 1)[0].strip().lower(): h.split(":", 1)[1].strip()
                       for h in rest if ":" in h}
            if PERIOD_US and path == "/events":
                after = state["newest"]
                if "last-event-id" in headers:
                    after = int(headers["last-event-id"])
                    stats["resumed"] += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             b"Cache-Control: no-cache\r\n\r\n")
                await stream(writer, after, sse_frame)
                return
            if PERIOD_US and path == "/ws":
                await serve_ws(reader, writer, headers)
                return
            if PERIOD_US and path == "/poll":
                if not await serve_poll(writer, query, conn):
                    return
                await writer.drain()
                continue
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
        pass
    finally:
        try:
            await writer.drain()
        except ConnectionError:
            pass
        writer.close()


def print_stats_and_exit(*_):
    print("stats: " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)
    os._exit(0)


async def main():
    state["changed"] = asyncio.Event()
    if PERIOD_US:
        state["newest"] = math.floor((now_us() - args.late_ms * 1000) / PERIOD_US)
        asyncio.ensure_future(publisher())
    server = await asyncio.start_server(serve, "127.0.0.1", args.port, backlog=4096)
    if args.skip_in > 0:
        args.skip_seq = math.ceil((now_us() + args.skip_in * 1e6) / PERIOD_US)
    print("listening on 127.0.0.1:%d" % server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, print_stats_and_exit)
    loop.call_later(args.lifetime, print_stats_and_exit)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
