"""rel.py - what every reliability test shares.

A reliability test applies one case to every model in $MODELS and prints,
per model, `ok - <case>/<model>`, `not ok - <case>/<model>: why`, or
`# n/a - <case>/<model>: why` where the case does not apply to that model
(n/a lines are not counted by tests/run.sh).  Servers are started with the
conformance suite's Server class (tests/conformance/server.py), which writes
their output to files, scans it for sanitizer reports and always reaps them.

TORTURE=1 (make torture) makes every case longer; `scale(check, torture)`
picks the bound.  Everything here is bounded in time and talks to 127.0.0.1
(or to network namespaces the test creates itself).
"""
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD") or os.path.join(TOP, "build")
sys.path.insert(0, os.path.join(TOP, "tests", "conformance"))
sys.dont_write_bytecode = True  # keep the work tree free of __pycache__

import wire  # noqa: E402  (shared with the conformance suite)
from server import Server, descendants  # noqa: E402
from wire import Fail  # noqa: E402

TORTURE = os.environ.get("TORTURE", "") not in ("", "0")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class NotApplicable(Exception):
    """Raised by a case that does not apply to a model (printed as n/a)."""


def scale(check, torture):
    """The bound for this run: make check's, or make torture's."""
    return torture if TORTURE else check


def models():
    """$MODELS, or every servers/*.c; the command line wins."""
    names = sys.argv[1:] or os.environ.get("MODELS", "").split()
    if not names:
        names = sorted(f[:-2] for f in os.listdir(os.path.join(TOP, "servers"))
                       if f.endswith(".c"))
    return names


def source(model):
    with open(os.path.join(TOP, "servers", model + ".c")) as f:
        return f.read()


def concurrency(model):
    """'none', 'per-worker' or 'many', from the model's header comment."""
    m = re.search(r"^ \* Concurrency: (.*)$", source(model), re.M)
    if not m:
        return "many"
    return "none" if m.group(1).strip() == "none" else "per-worker"


def binary(model, variant="release"):
    """build/server-M (release) or build/asan/server-M."""
    if variant == "release":
        return os.path.join(BUILD, "server-" + model)
    return os.path.join(BUILD, variant, "server-" + model)


def start(model, proto="http", args=(), variant="release", wrap=()):
    """Starts a server (wrap: a command prefix such as prlimit)."""
    path = binary(model, variant)
    if not os.access(path, os.X_OK):
        raise Fail("%s is not built (make all sanitizers)" % path)
    return Server(list(wrap) + [path], proto, args)


def finish(srv, expect_clean=True):
    """Stops srv; fails if it had died, did not stop cleanly, or printed a
    sanitizer report."""
    died = not srv.alive()
    rc, took = srv.stop()
    report = srv.sanitizer_report()
    if report:
        raise Fail("sanitizer report: %s" % report)
    if died:
        raise Fail("the server died (status %s): %s" % (rc, srv.stderr_tail()))
    if expect_clean and rc != 0:
        raise Fail("SIGTERM: exit status %s after %.1f s: %s" % (rc, took, srv.stderr_tail()))


# --- the server's resources, summed over its processes and threads ---------

def tree(pid):
    """pid and every process below it (prefork's workers)."""
    return [pid] + [p for p, _start in descendants(pid)]


def cpu_ticks(pid):
    """User + system clock ticks used so far by pid's process tree (all
    threads; a process's own stat line already sums its threads)."""
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total


def fd_count(pid):
    """Open descriptors of pid's process tree."""
    total = 0
    for p in tree(pid):
        try:
            total += len(os.listdir("/proc/%d/fd" % p))
        except OSError:
            pass
    return total


def rss_kb(pid):
    """Resident memory of pid's process tree, in KiB."""
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_for(pred, timeout, step=0.05):
    """Polls pred() until it is true or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def get_ok(port, timeout=2.0, path="/"):
    """One GET on a new connection; fails unless it is answered 200 in time."""
    conn = wire.HttpConn(port, timeout)
    try:
        conn.send("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
        resp = conn.read_response()
    finally:
        conn.close()
    if resp is None or resp.status != 200 or resp.body != b"Hello, World!":
        raise Fail("GET %s: %r" % (path, resp))


def get_ok_retry(port, timeout):
    """GET / until it succeeds or timeout passes (the server may still be
    freeing resources).  Fails with the last reason."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            get_ok(port, min(2.0, max(0.2, deadline - time.monotonic())))
            return
        except (Fail, OSError) as e:
            if time.monotonic() >= deadline:
                raise Fail("no answer within %.0f s: %s" % (timeout, e))
            time.sleep(0.1)


def loadgen(args, timeout):
    """Runs build/loadgen with --json; returns the parsed JSON."""
    import json
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [os.path.join(BUILD, "loadgen"), "--json", out.name] + list(args)
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail("loadgen %s did not finish in %d s" % (" ".join(args), timeout))
        try:
            return json.load(open(out.name))
        except ValueError:
            raise Fail("loadgen %s exited %d without JSON: %s"
                       % (" ".join(args), p.returncode, (p.stderr or p.stdout)[-300:]))


def loadgen_errors(result):
    """A short description of every error in a loadgen result, or ''."""
    errs = result["errors"]
    bad = ["%s=%s" % (k, v) for k, v in sorted(errs.items())
           if k not in ("total", "connect_errno") and v]
    return ", ".join(bad)


# --- output -----------------------------------------------------------------

_print_lock = threading.Lock()


def emit(line):
    with _print_lock:
        print(line, flush=True)


def run_case(case, fn, parallel=2, names=None):
    """Runs fn(model) for every model, `parallel` at a time, and prints one
    result line each.  fn returns None or a note, raises Fail (not ok) or
    NotApplicable (n/a).  Returns the number of failures."""
    names = names or models()
    failures = [0]

    def one(model):
        start_t = time.monotonic()
        try:
            note = fn(model)
        except NotApplicable as e:
            emit("# n/a - %s/%s: %s" % (case, model, e))
            return
        except Fail as e:
            failures[0] += 1
            emit("not ok - %s/%s: %s" % (case, model, e))
            return
        except Exception as e:  # a bug in the test is a failure too
            failures[0] += 1
            emit("not ok - %s/%s: %s: %s" % (case, model, type(e).__name__, e))
            return
        emit("ok - %s/%s%s  # %.1f s" % (case, model, " (%s)" % note if note else "",
                                         time.monotonic() - start_t))

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        list(pool.map(one, names))
    return failures[0]


def raise_nofile(n):
    """Raises this process's soft descriptor limit to n (at most the hard one)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def readable(socks, timeout=0.0):
    """Those of socks that are readable now (data, EOF or reset waiting)."""
    import select
    poller = select.poll()
    by_fd = {s.fileno(): s for s in socks}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    return [by_fd[fd] for fd, _ev in poller.poll(timeout * 1000)]


def open_fds(pid):
    """'pid:fd -> target' for every open descriptor of pid's process tree."""
    out = []
    for p in tree(pid):
        try:
            for fd in os.listdir("/proc/%d/fd" % p):
                try:
                    out.append("%d:%s -> %s" % (p, fd, os.readlink("/proc/%d/fd/%s" % (p, fd))))
                except OSError:
                    pass
        except OSError:
            pass
    return out
