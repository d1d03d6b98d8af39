"""registry.py - the list of checks, and what each one is handed.

A check is a small function named for what it verifies.  It receives a
Context, talks to ctx.server (a fresh server per model and protocol, shared
by the checks in order) or starts its own with ctx.start(), and raises
wire.Fail("why") when the server does not conform.  Returning normally is a
pass.  The decorator records for which protocols the check runs, whether it
needs a concurrent model, and whether it is part of the smaller TSan subset.
"""
from server import Server


class Check:
    def __init__(self, name, fn, protos, concurrent, tsan, own_server):
        self.name, self.fn, self.protos = name, fn, protos
        self.concurrent, self.tsan, self.own_server = concurrent, tsan, own_server


CHECKS = []


def check(name, protos=("echo", "http"), concurrent=False, tsan=False, own_server=False):
    """Registers fn as check `name`.  concurrent: skipped for models whose
    source says ' * Concurrency: none'.  tsan: also run under ThreadSanitizer.
    own_server: the check starts (and may kill) its own server, so the
    shared one is not started for it."""
    def register(fn):
        CHECKS.append(Check(name, fn, protos, concurrent, tsan, own_server))
        return fn
    return register


# Options every server in the suite gets: connections that stall are closed
# within the suite's 5 s socket timeouts, and 200 simultaneous connects are
# never refused by a short accept queue.
SERVER_ARGS = ["--idle-timeout", "5", "--header-timeout", "5", "--backlog", "1024"]


class Context:
    """What a check gets: the model, protocol and variant under test, the
    shared server, and a way to start more servers (all reaped and scanned
    for sanitizer reports by the runner)."""

    def __init__(self, model, proto, variant, cmd):
        self.model, self.proto, self.variant, self.cmd = model, proto, variant, cmd
        self.server = None
        self.servers = []

    def start(self, *args):
        srv = Server(self.cmd, self.proto, SERVER_ARGS + list(args))
        self.servers.append(srv)
        return srv

    @property
    def port(self):
        return self.server.port
