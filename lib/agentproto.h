/*
 * agentproto.h - the agent protocol between `bench run --clients` (the
 * coordinator, harness/run/agents.c) and `loadgen --agent` (the agent,
 * clients/agent.c).  Shared so that both sides agree on one version number.
 *
 * One JSON object per line, each with a "type".  The agent reads its
 * commands on stdin and writes its answers on stdout: no listening port,
 * so whatever carries a pipe carries the protocol (a child process, `ip
 * netns exec`, `ssh -o BatchMode=yes`).  stderr stays free for messages
 * meant for people ("loadgen: ..."), which the coordinator keeps in a log.
 *
 *   agent -> {"type":"hello","version":V,"capabilities":[...],"host":{...}}
 *            first line, unasked; host = hostname, kernel, CPU, topology
 *   coord -> {"type":"ping","t0":T0}
 *   agent -> {"type":"pong","t0":T0,"t1":T1}       T1: agent's clock
 *   coord -> {"type":"prepare","version":V,"args":["-c","100",...,URL]}
 *   agent -> {"type":"ready"}                      target resolved
 *   coord -> {"type":"start","at":T}               agent's CLOCK_REALTIME
 *   agent -> {"type":"progress","second":N,"cpu_s":S}   once a second
 *   agent -> {"type":"result","started_at":T,"doc":{...},"hists":{...}}
 *   coord -> {"type":"abort"}                      (or stdin closed)
 *   agent -> {"type":"aborted"}
 *   agent -> {"type":"error","message":"..."}      then exits 1
 *
 * Times are integer microseconds of CLOCK_REALTIME.  The coordinator
 * estimates each agent's clock offset from the ping with the shortest
 * round trip (offset = T1 - (T0 + T2) / 2, error at most half that round
 * trip) and sends each agent the common start in the agent's own clock.
 *
 * "doc" is exactly what `loadgen --json` writes; "hists" holds the
 * latency, uncorrected, connect and ttfb histograms as {"min","max",
 * "clamped","total","rle"}, every counter of lib/hist.h run-length encoded
 * (hist_rle_encode), so the coordinator's merge is exact.
 *
 * A version bump is any change an older peer would misread; both sides
 * refuse a peer of another version with a message naming both.
 */
#ifndef MODELBENCH_AGENTPROTO_H
#define MODELBENCH_AGENTPROTO_H

#define AGENT_PROTO_VERSION 1

#endif
