/*
 * agents.h - driving one run's load from several load generators at once
 * (`bench run --clients T1,T2,...`): the coordinator side of the agent
 * protocol (lib/agentproto.h; the agent is `loadgen --agent`).
 *
 * A target says how to reach an agent; every kind is the same pipe to
 * `loadgen --agent`, so there is one code path:
 *   local           a child process on this machine
 *   netns:NAME      ip netns exec NAME loadgen --agent
 *   ssh:[user@]host ssh -o BatchMode=yes [-F CONFIG] host loadgen --agent
 *                   (the remote loadgen at the same path as the local one)
 *
 * A coordinated run: start every agent, check its version, estimate its
 * clock offset by ping-pong, give it its share of the connections, rate
 * and idle connections, start all of them at one instant, watch them
 * (progress each second), and add their histograms counter by counter.
 * The merged figures are written as one loadgen --json document, so the
 * runner judges and records the run exactly like a single load
 * generator's; the document gains "agents" (each agent's own figures),
 * "start_skew_us" and "merge_s" (what the merge took).  Any agent lost,
 * silent, refused or failed fails the whole run with the reason and
 * writes no document: nothing partial.
 */
#ifndef BENCH_RUN_AGENTS_H
#define BENCH_RUN_AGENTS_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define AGENTS_MAX 16

struct agent_target {
	const char *spec; /* as given: "local", "netns:NAME", "ssh:user@host" */
	enum { AGENT_LOCAL, AGENT_NETNS, AGENT_SSH } kind;
	const char *where; /* the namespace or the ssh destination */
};

/* How to reach the agents (shared by every run of a suite). */
struct agents_conf {
	struct agent_target targets[AGENTS_MAX];
	int n;
	const char *loadgen;	/* path of loadgen, here and on ssh hosts */
	const char *ssh_config; /* -F FILE for ssh, or NULL for the user's */
	const char *cpus;	/* pin local and netns agents here (NULL: any) */
};

/* One coordinated run. */
struct agents_run {
	char **args;	       /* loadgen options every agent gets, NULL-ended, without
				  -t -c -R --idle (split here) or --json --hgrm */
	int threads;	       /* per agent, capped by its connections; an ssh agent
				 gets its host's online CPUs instead, unless ... */
	bool threads_fixed;    /* ... the scenario set its threads */
	int connections;       /* in total, split as evenly as possible */
	double rate;	       /* -R in total (0: closed loop), split the same way */
	int idle;	       /* --idle in total */
	double run_s;	       /* warm-up + measured + request timeout: the longest
				  an agent may take once started */
	const char *log_base;  /* agent i's stderr goes to LOG_BASE.agent-i.txt */
	const char *json_path; /* the merged document */
	const char *hgrm_path; /* the merged latency distribution */
	volatile sig_atomic_t *stopping;
};

/* Parses "local,netns:a,ssh:root@h" into conf->targets.  Returns 0, or -1
 * with the reason in err. */
int agents_parse(struct agents_conf *conf, const char *list, char *err, size_t errlen);

/* Starts every agent once and reads its hello: reachable, same version.
 * Returns a JSON array with each agent's target and host facts (kernel,
 * CPU, topology) for meta.json, or NULL with the reason in err. */
json_t *agents_probe(const struct agents_conf *conf, char *err, size_t errlen);

/* Performs one coordinated run.  Returns 0 with the merged document
 * written, -1 with the reason in err and nothing written, -2 if stopping
 * was raised. */
int agents_run(const struct agents_conf *conf, const struct agents_run *run, char *err,
	       size_t errlen);

#endif
