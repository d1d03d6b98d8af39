#!/usr/bin/python3
"""fake-server.py - a misbehaving stand-in server for the harness tests.

The test copies this file to $T/build/server-<mode>; the mode is taken from
that name, so the harness starts it like any model:
  good     serves HTTP and echo correctly (one thread per connection)
  crash    serves, then kills itself with SIGSEGV 0.4 s after starting
  stall    serves, but ignores SIGTERM (the harness must SIGKILL it)
  orphan   serves, and forks a child that ignores SIGTERM and stays behind
  wrong    answers every request with status 500 (a wrong response)
  nostart  exits at once without printing "listening on"
  liar     serves correctly but claims requests=0 in its stats line
  chatty   serves correctly, making 20 extra getppid() system calls per
           request (the system call counter must see them)
Every loop is bounded: the server exits by itself after 60 seconds.
"""
import os
import signal
import socket
import sys
import threading
import time

MODE = os.path.basename(sys.argv[0]).removeprefix("server-")
ARGS = sys.argv[1:]
PROTO = ARGS[ARGS.index("--proto") + 1] if "--proto" in ARGS else "http"
STATUS = b"500 Internal Server Error" if MODE == "wrong" else b"200 OK"
RESPONSE = (b"HTTP/1.1 " + STATUS + b"\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 13\r\n\r\nHello, World!")
counts = {"connections": 0, "requests": 0}


def print_stats_and_exit(*_):
    requests = 0 if MODE == "liar" else counts["requests"]
    print("stats: connections=%d requests=%d bad_requests=0 io_errors=0 refused=0 "
          "bytes_in=0 bytes_out=0" % (counts["connections"], requests), flush=True)
    os._exit(0)


def extra_syscalls():
    if MODE == "chatty":
        for _ in range(20):
            os.getppid()


def serve(conn):
    pending = b""
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            if PROTO == "echo":
                extra_syscalls()
                conn.sendall(data)
                counts["requests"] += 1
                continue
            pending += data
            while b"\r\n\r\n" in pending:
                _, pending = pending.split(b"\r\n\r\n", 1)
                extra_syscalls()
                conn.sendall(RESPONSE)
                counts["requests"] += 1


def misbehave():
    if MODE == "nostart":
        sys.exit(3)
    if MODE == "stall":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if MODE == "crash":
        threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGSEGV)).start()
    if MODE == "orphan" and os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(30)
        os._exit(0)


def main():
    misbehave()
    if MODE != "stall":
        signal.signal(signal.SIGTERM, print_stats_and_exit)
    threading.Timer(60, print_stats_and_exit).start()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        counts["connections"] += 1
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
