"""server.py - starting, watching and stopping one server process.

A Server is started with `--port 0`, and its first stdout line must be
exactly "listening on 127.0.0.1:PORT".  stdout and stderr go to files, not
pipes, so a chatty server can never block on a full pipe; stderr is scanned
for sanitizer reports once the process has exited.  stop() always reaps the
process (SIGTERM, then SIGKILL by PID after a grace period).
"""
import os
import re
import signal
import subprocess
import tempfile
import time

from wire import Fail

LISTENING = re.compile(r"^listening on 127\.0\.0\.1:(\d+)$")
STATS = re.compile(r"^stats: connections=(\d+) requests=(\d+) bad_requests=(\d+) "
                   r"io_errors=(\d+) refused=(\d+) bytes_in=(\d+) bytes_out=(\d+)$")
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "WARNING: ThreadSanitizer")

SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
    "UBSAN_OPTIONS": "print_stacktrace=1",
    # atexit_sleep_ms=0: by default TSan sleeps 1 s at exit while any other
    # thread still exists -- even a detached one in the last microseconds of
    # finishing -- which made thread-per-conn miss the 1 s SIGTERM deadline.
    "TSAN_OPTIONS": "halt_on_error=0:atexit_sleep_ms=0",
}


class Server:
    """One server process.  cmd is the argv prefix (binary, maybe wrapped
    in setarch); args are appended after the standard ones."""

    def __init__(self, cmd, proto, args=(), start_timeout=10.0):
        self.cmd = list(cmd) + ["--proto", proto, "--host", "127.0.0.1",
                                "--port", "0"] + list(args)
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        env = dict(os.environ, **SANITIZER_ENV)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err, env=env)
        self.pid = self.proc.pid
        self.rc = None
        self.port = None
        try:
            self.first_line = self._wait_first_line(start_timeout)
            m = LISTENING.match(self.first_line)
            if not m or int(m.group(1)) == 0:
                raise Fail("first stdout line is %r, not 'listening on 127.0.0.1:PORT'"
                           % self.first_line)
            self.port = int(m.group(1))
        except Fail:
            self.stop()
            raise

    def _wait_first_line(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self._read(self.out)
            if "\n" in text:
                return text.split("\n", 1)[0]
            if self.proc.poll() is not None:
                raise Fail("server exited with status %d before listening: %s"
                           % (self.proc.returncode, self.stderr_tail()))
            time.sleep(0.01)
        raise Fail("no complete first line on stdout within %.0f s" % timeout)

    @staticmethod
    def _read(f):
        f.seek(0)
        return f.read().decode("utf-8", "replace")

    def stdout(self):
        return self._read(self.out)

    def stderr(self):
        return self._read(self.err)

    def stderr_tail(self, lines=6):
        """What to quote when the server misbehaved: the sanitizers' SUMMARY
        lines if there are any (a TSan report also makes the exit status
        66), else the last lines of stderr."""
        text = self.stderr().strip().splitlines()
        summaries = [l.strip() for l in text if l.startswith("SUMMARY: ")]
        if summaries:
            return " | ".join(summaries[:3])
        return " | ".join(text[-lines:]) if text else "(stderr empty)"

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        """Waits up to timeout; returns the exit status or None."""
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.rc

    def stop(self, grace=5.0):
        """SIGTERM, wait, then SIGKILL.  Returns (status, seconds taken);
        status is None if it had to be killed.  Safe to call twice."""
        if self.rc is not None or not self.alive():
            self.rc = self.proc.wait()
            return self.rc, 0.0
        start = time.monotonic()
        self.signal(signal.SIGTERM)
        rc = self.wait(grace)
        took = time.monotonic() - start
        if rc is None:
            self.proc.kill()
            self.proc.wait()
            self.rc = self.proc.returncode
            return None, took
        return rc, took

    def sanitizer_report(self):
        """The first sanitizer report line on stderr (with the first SUMMARY
        line, which names the place), or None."""
        lines = self.stderr().splitlines()
        for line in lines:
            if any(pat in line for pat in SANITIZER_REPORTS):
                summary = [l.strip() for l in lines if l.startswith("SUMMARY: ")]
                return line.strip() + ("; " + summary[0] if summary else "")
        return None

    def stats(self):
        """The stats line's counters as a dict, or None if absent."""
        for line in self.stdout().splitlines():
            m = STATS.match(line)
            if m:
                keys = ("connections", "requests", "bad_requests", "io_errors",
                        "refused", "bytes_in", "bytes_out")
                return dict(zip(keys, map(int, m.groups())))
        return None


def descendants(pid):
    """PIDs of every process below pid, with their start times (to tell a
    surviving child from a new process that reused its PID)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(stat[0], []).append((int(entry), stat[1]))
    found, todo = [], [pid]
    while todo and len(found) < 10000:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def still_running(procs):
    """Those of (pid, start time) pairs that still exist and are not zombies."""
    alive = []
    for pid, start in procs:
        stat = _stat(pid, with_state=True)
        if stat and stat[1] == start and stat[2] != "Z":
            alive.append(pid)
    return alive


def _stat(pid, with_state=False):
    """(ppid, starttime[, state]) from /proc/pid/stat, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    ppid, start = int(fields[1]), int(fields[19])
    return (ppid, start, fields[0]) if with_state else (ppid, start)
