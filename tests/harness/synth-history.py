#!/usr/bin/python3
"""synth-history.py - writes a series of synthetic run folders (runs.csv and
meta.json), one per run, for t-history.

usage: synth-history.py DIR RUNS [key=value ...]
  rps=100000 cpu=10     the level of requests/s and server CPU us/request
  noise=0.02            run-to-run noise (relative, Gaussian, fixed seed)
  step_at=N step=-0.15  from run N (1-based) on, requests/s moves by step
  cpu_step=0.15         ... and server CPU us/request by cpu_step
  cpu_model=NAME        meta.json cpu_model
  kernels=a,b,c         kernel of each run (default 6.1.<run>)
  days=3,1,2            day of November of each run's date (default the run)
  builds=A,B            a `build` column: the rows of each run once per build
                        (build k's requests/s are (1 + k/2) times build 0's)
  seed=1

Each run has three measured repetitions (within 0.5% of the run's level),
a system call pass (rep 0) and a failed repetition with absurd figures
and no status ok, which history must leave out.
"""
import json
import os
import random
import sys

top, runs = sys.argv[1], int(sys.argv[2])
opt = {"rps": 100000, "cpu": 10, "noise": 0.02, "step_at": 0, "step": -0.15, "cpu_step": 0,
       "cpu_model": "Synthetic CPU", "kernels": "", "days": "", "builds": "", "seed": 1}
for arg in sys.argv[3:]:
    k, v = arg.split("=", 1)
    opt[k] = v if k in ("cpu_model", "kernels", "days", "builds") else float(v)
rng = random.Random(int(opt["seed"]))
kernels = opt["kernels"].split(",") if opt["kernels"] else [f"6.1.{i}" for i in range(1, runs + 1)]
days = [int(d) for d in opt["days"].split(",")] if opt["days"] else list(range(1, runs + 1))
builds = opt["builds"].split(",") if opt["builds"] else [None]
HEADER = ("suite,scenario,model,proto,connections,rep,status,reason,requests_per_s,"
          "server_cpu_us_per_req,server_cpus,client_cpus")
for i in range(runs):
    d = os.path.join(top, f"run-{i + 1:02d}")
    os.makedirs(d, exist_ok=True)
    stepped = opt["step_at"] and i + 1 >= opt["step_at"]
    rps = opt["rps"] * (1 + rng.gauss(0, opt["noise"])) * (1 + (opt["step"] if stepped else 0))
    cpu = opt["cpu"] * (1 + rng.gauss(0, opt["noise"])) * (1 + (opt["cpu_step"] if stepped else 0))
    lines = [HEADER + (",build" if builds[0] else "")]
    for k, build in enumerate(builds):
        tail = f",{build}" if build else ""
        lines.append(f"quick,http-c100,epoll,http,100,0,ok,,1,1000,0,1{tail}")
        for rep in (1, 2, 3):
            f = 1 + rng.uniform(-0.005, 0.005)
            lines.append(f"quick,http-c100,epoll,http,100,{rep},ok,,"
                         f"{rps * f * (1 + k / 2):.1f},{cpu / f:.3f},0,1{tail}")
        lines.append(f"quick,http-c100,epoll,http,100,4,failed,crashed,1,1000,0,1{tail}")
    with open(os.path.join(d, "runs.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    meta = {"kernel": kernels[i], "cpu_model": opt["cpu_model"], "server_cpus": "0",
            "client_cpus": "1", "suite": "quick", "date": f"2026-11-{days[i]:02d}T12:00:00+0000"}
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f)
