#!/usr/bin/env python3
"""agent-overhead.py - what agent mode costs: the same load from a plain
`loadgen` and from `loadgen --agent` (driven here over its pipes), rounds
interleaved, against build/server-epoll pinned to CPU 0, the client pinned
to CPU 1.  Compares requests per client CPU-second, the client's CPU taken
from wait4 (the whole process, the agent's reading and progress thread
included).

    scripts/agent-overhead.py [ROUNDS] [SECONDS] [CONNECTIONS]   (3 3 100)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD") or os.path.join(TOP, "build")
ROUNDS, SECONDS, CONNS = (int(a) for a in (sys.argv[1:] + ["3", "3", "100"][len(sys.argv) - 1:])[:3])
TMP = tempfile.mkdtemp(prefix="agt-overhead.")


def cpu(ru):
    return ru.ru_utime + ru.ru_stime


def plain(url):
    path = os.path.join(TMP, "plain.json")
    p = subprocess.Popen(["taskset", "-c", "1", os.path.join(BUILD, "loadgen"), "-c", str(CONNS),
                          "-d", "%ds" % SECONDS, "--json", path, url], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    d = json.load(open(path))
    return d["requests"]["verified"], cpu(ru), d["requests_per_s"]


def agent(url):
    p = subprocess.Popen(["taskset", "-c", "1", os.path.join(BUILD, "loadgen"), "--agent"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    p.stdin.write(json.dumps({"type": "prepare", "version": 1,
                              "args": ["-c", str(CONNS), "-d", "%ds" % SECONDS, url]}) + "\n")
    p.stdin.flush()
    p.stdout.readline()
    p.stdin.write(json.dumps({"type": "start", "at": time.time_ns() // 1000 + 100000}) + "\n")
    p.stdin.flush()
    for line in p.stdout:
        msg = json.loads(line)
        if msg["type"] == "result":
            break
    p.stdin.close()
    _, status, ru = os.wait4(p.pid, 0)
    d = msg["doc"]
    return d["requests"]["verified"], cpu(ru), d["requests_per_s"]


def main():
    srv = subprocess.Popen(["taskset", "-c", "0", os.path.join(BUILD, "server-epoll"), "--host",
                            "127.0.0.1", "--port", "0"], stdout=subprocess.PIPE, text=True)
    url = "http://%s/" % srv.stdout.readline().split()[-1]
    res = {"plain": [], "agent": []}
    try:
        for r in range(ROUNDS):
            for name, fn in (("plain", plain), ("agent", agent)):
                n, c, rps = fn(url)
                res[name].append(n / c)
                print("round %d %-5s: %8.0f req/s, %.2f client CPU s, %8.0f requests per CPU-s"
                      % (r + 1, name, rps, c, n / c), flush=True)
    finally:
        srv.terminate()
        srv.wait()
    a, b = statistics.median(res["plain"]), statistics.median(res["agent"])
    print("median requests per client CPU-second: plain %.0f, agent %.0f (%+.1f%%)"
          % (a, b, (b / a - 1) * 100))
    print(open("/proc/loadavg").read().strip(), "(load average at the end)")


main()
