"""runner.py - runs every registered check against one model.

For each sanitizer variant (ASan+UBSan always; TSan too when the model's
source calls pthread_create) and each protocol, a fresh server is started and
the checks run against it in order.  If a check leaves that server dead, the
check fails with the server's last words and a new server is started for the
next one.  At the end the shared server is stopped with SIGTERM, and the
stderr of every server the protocol started is scanned for sanitizer
reports.  Every server is reaped, whatever happens.
"""
import fnmatch
import os
import re
import subprocess
import time
import traceback

import concurrency_checks  # noqa: F401  (each module registers its checks)
import delay_checks  # noqa: F401
import echo_checks  # noqa: F401
import http_checks  # noqa: F401
import lines_checks  # noqa: F401
import lifecycle_checks  # noqa: F401
import push_checks  # noqa: F401
import timeout_checks  # noqa: F401
from registry import CHECKS, Context
from wire import Fail

PROTOS = ("cli", "echo", "http", "lines")
SLOW_CHECK_S = 2.0


class Model:
    """What the suite needs to know about a model, read from its source."""

    def __init__(self, name, top, build):
        self.name = name
        path = os.path.join(top, "servers", name + ".c")
        source = open(path).read() if os.path.exists(path) else ""
        self.concurrent = not re.search(r"^ \* Concurrency: none\s*$", source, re.M)
        self.threaded = "pthread_create" in source
        self.variants = [("asan", os.path.join(build, "asan", "server-" + name), "")]
        if self.threaded:
            self.variants.append(("tsan", os.path.join(build, "tsan", "server-" + name),
                                  "tsan/"))


def tsan_command(binary):
    """The argv prefix that starts a TSan binary: under `setarch -R` when
    this kernel's address-space layout makes TSan refuse to start."""
    p = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    if "unexpected memory mapping" in p.stderr or "FATAL: ThreadSanitizer" in p.stderr:
        return ["setarch", os.uname().machine, "-R", binary]
    return [binary]


def run_model(model, only, variants, emit):
    """Runs the checks whose names match the glob `only` against model,
    calling emit(line) for every result line."""
    for variant, binary, prefix in model.variants:
        if variant not in variants:
            continue
        if not os.access(binary, os.X_OK):
            emit("not ok - %s/-/%sbinary: %s is missing (make sanitizers)"
                 % (model.name, prefix, binary))
            continue
        cmd = tsan_command(binary) if variant == "tsan" else [binary]
        for proto in PROTOS:
            if variant == "tsan" and proto == "cli":
                continue
            checks = [c for c in CHECKS if proto in c.protos
                      and (variant == "asan" or c.tsan)
                      and fnmatch.fnmatch(c.name, only)]
            if checks:
                run_proto(model, Context(model.name, proto, variant, cmd), checks,
                          prefix, emit)


def run_proto(model, ctx, checks, prefix, emit):
    """Runs checks for one protocol and variant, then judges how the shared
    server stops and whether any server of this protocol reported a bug."""
    base = "%s/%s/%s" % (model.name, ctx.proto, prefix)
    try:
        for c in checks:
            if c.concurrent and not model.concurrent:
                emit("# skip %s%s: the model says Concurrency: none" % (base, c.name))
                continue
            emit(run_check(ctx, c, base + c.name))
        if ctx.server is not None:
            emit(result(base + "clean-exit", shared_server_exit(ctx)))
    finally:
        for srv in ctx.servers:
            srv.stop()
    if ctx.servers:
        emit(result(base + "no-sanitizer-report", sanitizer_verdict(ctx.servers)))


def run_check(ctx, c, name):
    """Runs one check (starting the shared server first if it needs it) and
    returns its result line."""
    if ctx.proto != "cli" and not c.own_server and not (ctx.server and ctx.server.alive()):
        try:
            ctx.server = ctx.start()
        except Fail as e:
            return result(name, "could not start the server: %s" % e)
    start = time.monotonic()
    why = call(c.fn, ctx)
    took = time.monotonic() - start
    srv = ctx.server
    if srv is not None and not c.own_server and not srv.alive():
        death = "server exited with status %s: %s" % (srv.proc.returncode, srv.stderr_tail())
        why = "%s; %s" % (why, death) if why else death
    line = result(name, why)
    if took > SLOW_CHECK_S:
        line += "\n# %s took %.1f s" % (name, took)
    return line


def call(fn, ctx):
    """Runs a check; returns None on a pass, else why it failed."""
    try:
        fn(ctx)
        return None
    except Fail as e:
        return str(e)
    except OSError as e:
        return "%s: %s" % (type(e).__name__, e)
    except Exception as e:  # a bug in the check itself still fails it, visibly
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return "check raised %s: %s (%s:%d)" % (type(e).__name__, e,
                                                os.path.basename(tb.filename), tb.lineno)


def shared_server_exit(ctx):
    """SIGTERM the shared server: it must exit 0 within 1 s and print its
    stats line."""
    srv = ctx.server
    if not srv.alive():
        return "the server had already exited (status %s)" % srv.proc.returncode
    rc, took = srv.stop()
    if rc is None:
        return "still running %.1f s after SIGTERM (killed)" % took
    if rc != 0:
        return "exit status %d after SIGTERM: %s" % (rc, srv.stderr_tail())
    if took > 1.0:
        return "took %.2f s to exit after SIGTERM" % took
    if srv.stats() is None:
        return "no stats line on stdout: %r" % srv.stdout()[-300:]
    return None


def sanitizer_verdict(servers):
    for srv in servers:
        report = srv.sanitizer_report()
        if report:
            return "%s (server pid %d)" % (report, srv.pid)
    return None


def result(name, why):
    return "ok - %s" % name if why is None else "not ok - %s: %s" % (name, why)
