"""lgtest.py - helpers shared by the load generator tests (tests/loadgen/t-*).

Everything talks to 127.0.0.1 only.  Every process a test starts is bounded
in time and reaped: servers are context managers that SIGTERM (then
SIGKILL) their process on the way out, and loadgen runs carry a timeout.
"""
import atexit
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD") or os.path.join(TOP, "build")
LOADGEN = os.environ.get("LOADGEN") or os.path.join(BUILD, "loadgen")
TMP = tempfile.mkdtemp(prefix="lgtest.")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)

failed = 0


def check(name, cond, why=""):
    """Prints one TAP-like line; returns cond."""
    global failed
    if cond:
        print(f"ok - {name}", flush=True)
    else:
        failed += 1
        print(f"not ok - {name}: {why}", flush=True)
    return cond


def finish():
    sys.exit(1 if failed else 0)


class Loadgen:
    """One run of build/loadgen: rc, out, err, and the --json object."""

    def __init__(self, args, timeout=30):
        path = os.path.join(TMP, f"run{time.monotonic_ns()}.json")
        argv = [LOADGEN, "--json", path] + [str(a) for a in args]
        print("+", " ".join(argv), flush=True)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr
        print(self.out + self.err, flush=True)
        self.json = None
        if os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as f:
                    self.json = json.load(f)
            except ValueError as e:  # not UTF-8, or not JSON
                print(f"{path}: {e}", flush=True)


class Server:
    """build/server-<model> on a free port, stopped with SIGTERM on exit.
    After the with-block, .stats holds the counters of its exit line."""

    def __init__(self, model="epoll", args=()):
        self.argv = [os.path.join(BUILD, f"server-{model}"), "--port", "0"] + list(args)
        self.stats = {}

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 5)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            self.__exit__()
            raise RuntimeError(f"{self.argv[0]} did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        self.addr = f"127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rest, _ = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _ = self.proc.communicate()
        for line in (rest or "").splitlines():
            if line.startswith("stats:"):
                self.stats = {k: int(v) for k, v in
                              (f.split("=") for f in line.split()[1:])}
        return False


class PyServer:
    """A small threaded TCP server in this process, for behaviours the
    real servers never show (corrupting bytes, never answering).
    handler(conn) runs in its own thread per connection."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.addr = f"127.0.0.1:{self.port}"
        self.conns = []
        self.stop = False

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            c.settimeout(30)
            self.handler(c)
        except OSError:
            pass
        finally:
            c.close()

    def __exit__(self, *exc):
        self.stop = True
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        return False


def need(path):
    """Fails the whole test program when a build product is missing."""
    if not os.path.exists(path):
        check(f"build/{os.path.basename(path)}", False, f"{path} missing (run make)")
        finish()
