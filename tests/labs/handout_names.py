"""handout_names.py - the names a lab handout mentions, and whether they exist.

A student's clone has only the repository, so a handout may point at
nothing outside it: no `../` path, no absolute path but /tmp, /dev, /proc
and /sys (outside_paths).  And every file it names must be there once its
commands have run (missing_names): a source file in the tree, a plot the
harness writes for the suites the handout runs, a series, scenario or
batch of those suites.

The plots are not guessed here: synth_report() writes a results folder with
one row per scenario of those suites (parsed from suites/*.conf) and runs
the real `bench report` on it, so the names are those harness/report/plot.c
gives.  That takes a second or two per suite (gnuplot), not a benchmark.
"""
import csv
import glob
import json
import os
import re
import subprocess

# path-like words with a file extension: servers/epoll.c, plots/cpu.png, conn.h
NAME = re.compile(r"(?<![\w/.-])((?:\.\./|/)?[\w<>*][\w.<>*/-]*\.(?:png|svg|c|h|conf|md|csv|html|"
                  r"json|gp|dat|py|sh))\b")
OUTSIDE = re.compile(r"(?<![\w.])\.\./[\w./-]*|(?<![\w.:/<>-])/(?!tmp/|dev/|proc/|sys/)"
                     r"[a-z][\w.-]*/[\w./-]*|\bshared/seeds\b")
# "series `x`", "scenario `x`", "the `x` batch" ("the suite's `spectrum`
# scenario" names a setting, not a scenario)
SERIES_REF = re.compile(r"\b(?:series|scenario|batch)\s+`([\w-]+)`|`([\w-]+)`\s+(?:series|batch)\b")
SUITE_REF = re.compile(r"(?:SUITE=|--suite\s+)([A-Za-z0-9_-]+)\b")
# Files the harness writes into a result folder (harness/README.md).
RESULT_FILES = ("index.html", "runs.csv", "meta.json", "summary.txt")
MODELS = ("epoll", "iterative")


def outside_paths(text):
    """Every path in text that leads out of the repository."""
    return sorted(set(m.group(0) for m in OUTSIDE.finditer(text)))


def suites_run(text):
    """The suites a handout's commands run: SUITE=x and --suite x, and
    quick for a plain `make bench`."""
    names = set(SUITE_REF.findall(text))
    if re.search(r"\bmake bench\b(?![^\n]*SUITE=)", text):
        names.add("quick")
    return sorted(names)


def without_included(top, suites):
    """suites less those another of them includes (full includes slow):
    one report of the larger suite names every plot of both."""
    inside = set()
    for name in suites:
        seen = set()
        parse_suite(top, name, seen=seen)
        inside |= seen - {name}
    return [name for name in suites if name not in inside]


def parse_suite(top, name, experiment=None, seen=None):
    """(settings, scenarios, batches) of suites/NAME.conf with its includes;
    each scenario a dict of its keys plus name and experiment."""
    seen = seen if seen is not None else set()
    settings, scenarios, batches = {}, [], []
    path = os.path.join(top, "suites", name + ".conf")
    if name in seen or not os.path.exists(path):
        return settings, scenarios, batches
    seen.add(name)
    for line in open(path):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "include" and len(words) > 1:
            _, sc, ba = parse_suite(top, words[1], words[1], seen)
            scenarios += sc
            batches += ba
        elif words[0] == "scenario" and len(words) > 1:
            sc = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            sc.update(name=words[1], experiment=experiment or name)
            scenarios.append(sc)
        elif words[0] == "batch" and len(words) > 1:
            batches.append(words[1])
        elif len(words) >= 3 and words[1] == "=":
            settings[words[0]] = words[2]
    return settings, scenarios, batches


def scenario_rows(sc):
    proto = sc.get("proto", "http")
    base = {"suite": "synth", "scenario": sc["name"], "proto": proto,
            "connections": sc.get("connections", 10), "pipeline": sc.get("pipeline", 1),
            "rate": sc.get("rate", 0), "delay_us": sc.get("delay_us", 0),
            "work_us": sc.get("work_us", 0), "series": sc.get("series", proto),
            "experiment": sc["experiment"], "x_key": sc.get("x", "connections"),
            "idle": sc.get("idle", 0), "keepalive": int(sc.get("keepalive", "yes") == "yes"),
            "size": sc.get("size", 64), "delay_blocking": int(sc.get("delay_blocking") == "yes"),
            "server_cpus": "0", "client_cpus": "1", "loadgen_threads": 1,
            "status": "ok", "reason": "", "requests": 1000, "requests_per_s": 1000,
            "p50_us": 500, "p90_us": 900, "p99_us": 2000, "p999_us": 3000, "max_us": 4000,
            "errors": 0, "server_cpu_us_per_req": 10, "server_peak_rss_kb": 1000,
            "client_cpu_s": 0.5, "server_requests": 1100, "duration_s": 1,
            "syscalls_per_req": 3, "idle_established": sc.get("idle", 0),
            "idle_alive_end": sc.get("idle", 0), "mb_per_s": 1.0, "connect_p50_us": 40,
            "connect_p99_us": 90}
    if "subscribe" in sc:  # push: subscribers, as harness/data/suite.c reads them
        n = sc.get("subscribers", sc.get("connections", 10))
        base.update(connections=n, series=sc.get("series", "push-" + sc["subscribe"]),
                    subscribe=sc["subscribe"], publish_hz=sc.get("publish_hz", 10),
                    requests=0, requests_per_s=0, delivery_p50_us=500, delivery_p99_us=2000,
                    delivery_p999_us=3000, events_per_s=10 * int(n), events_missed=0,
                    reconnects=0, subscribers_held=n,
                    server_peak_rss_kb=1000 + int(n))
    return [dict(base, model=m, rep=rep) for m in MODELS for rep in (0, 1, 2)]


def synth_report(top, bench, suite, out):
    """Writes a result folder for suite into out and runs `bench report` on
    it.  Returns (every file name it holds, the suite's series, scenario
    and batch names), or raises RuntimeError."""
    settings, scenarios, batches = parse_suite(top, suite)
    os.makedirs(os.path.join(out, "hist"), exist_ok=True)
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        rows = [r for sc in scenarios for r in scenario_rows(sc)]
        # only the columns set here (bench reads runs.csv by column name),
        # suite first: bench takes a first cell "suite" for the header row
        w = csv.DictWriter(f, fieldnames=list(dict.fromkeys(["suite"] + [k for r in rows for k in r])))
        w.writeheader()
        w.writerows(rows)
    spectrum = settings.get("spectrum") or (scenarios[0]["name"] if scenarios else "")
    json.dump({"suite": suite, "spectrum": spectrum}, open(os.path.join(out, "meta.json"), "w"))
    counts = {"histogram": {"counts": [[100, 50], [200, 30], [400, 15], [800, 5]]}}
    for m in MODELS:
        for rep in (0, 1, 2):
            json.dump(counts, open(os.path.join(out, "hist", "%s-%s-%d.json"
                                                % (spectrum, m, rep)), "w"))
    for b in batches:
        results = [{"command": m, "mean": 1.0, "stddev": 0.01, "median": 1.0, "min": 0.9,
                    "max": 1.1, "times": [0.9, 1.0, 1.1], "exit_codes": [0, 0, 0],
                    "parameters": {"model": m}} for m in MODELS]
        json.dump({"results": results}, open(os.path.join(out, "batch-%s.json" % b), "w"))
    p = subprocess.run([bench, "report", out], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("bench report %s: %s" % (suite, p.stderr.strip()[-300:]))
    files = set()
    for root, _, names in os.walk(out):
        files.update(os.path.relpath(os.path.join(root, n), out) for n in names)
    known = {sc["name"] for sc in scenarios} | set(batches)
    known |= {sc.get("series", "push-" + sc["subscribe"] if "subscribe" in sc
                     else sc.get("proto", "http")) for sc in scenarios}
    return files, known


def mentioned(text):
    """(file names, series/scenario/batch names) a handout mentions."""
    names = set(NAME.findall(text))
    refs = {a or b for a, b in SERIES_REF.findall(text)}
    return names, refs


def repo_has(top, name, handout_dir, made_by_commands):
    """True if name is a file of the tree (relative to the top or to the
    handout's folder; a bare name anywhere in it), or a command creates it."""
    if name in made_by_commands or name.startswith(("/tmp/", "/dev/", "/proc/", "/sys/")):
        return True
    if "<" in name:
        return True  # a placeholder such as results/<date>-<host>-<kernel>/x
    for base in (top, handout_dir):
        if glob.glob(os.path.join(base, name)):
            return True
    if "/" not in name:
        tracked = subprocess.run(["git", "-C", top, "ls-files"], capture_output=True,
                                 text=True).stdout.split()
        if any(os.path.basename(t) == name for t in tracked) or glob.glob(
                os.path.join(top, "**", name), recursive=True):
            return True
    return False


def missing_names(top, text, handout_dir, command_text, produced, known):
    """The names text mentions that are not there: files of the tree or of
    the commands, plots and result files the harness writes (produced), and
    series, scenario and batch names of the suites run (known)."""
    names, refs = mentioned(text)
    missing = []
    for name in sorted(names):
        if name.startswith("plots/") and name.endswith((".png", ".svg")):
            if name not in produced and not os.path.exists(os.path.join(top, name)):
                missing.append(name + " (not written by bench report)")
        elif name.startswith("results/") and "<" in name:
            if os.path.basename(name) not in produced:
                missing.append(name + " (not in a result folder)")
        elif os.path.basename(name) in RESULT_FILES and name in produced:
            continue
        elif not repo_has(top, name, handout_dir, command_text):
            missing.append(name + " (no such file)")
    for ref in sorted(refs - known):
        missing.append(ref + " (no such series, scenario or batch)")
    return missing
