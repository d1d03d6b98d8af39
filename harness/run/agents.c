/*
 * agents.c - the coordinator of `bench run --clients` (see agents.h and
 * lib/agentproto.h for the protocol).
 *
 * Each agent is a child process with two pipes: its stdin carries our
 * commands, its stdout its answers; its stderr goes to a log, whose last
 * line is the reason given when an agent is lost (ssh says "Connection
 * refused", loadgen says "loadgen: -c: ...").  For a local or netns agent
 * the child is loadgen itself (ip netns exec execs it); for ssh it is the
 * ssh client, and closing its stdin or killing it ends the remote agent,
 * which stops when its stdin closes.  No agent listens on a port.
 *
 * Timing.  The clock offset of each agent is estimated from PINGS
 * ping-pongs, keeping the one with the shortest round trip (its error is
 * at most half that trip).  The common start is far enough ahead for
 * every agent to get its start message (START_MARGIN_S plus the slowest
 * round trip), and is sent in each agent's own clock.  Each agent answers
 * with the instant it actually started, in its clock; mapped back to ours,
 * the spread of those instants is the start skew the run reports.
 *
 * Failure.  An agent that exits, closes its stdout, says "error", goes
 * silent for SILENT_S during the run (no progress line) or is not done by
 * the deadline fails the run: the others get "abort", every child is
 * reaped (SIGKILL after STOP_S), and no merged document is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agentproto.h"
#include "data/sys.h"
#include "run/agentmerge.h"
#include "run/agents.h"
#include "run/proc.h"

#define HELLO_TIMEOUT_S 15.0 /* ssh's ConnectTimeout is 10 s */
#define REPLY_TIMEOUT_S 10.0 /* a pong, or ready after resolving the target */
#define PINGS 8
#define START_MARGIN_S 0.3
#define SILENT_S 5.0	/* an agent sends progress every second */
#define STOP_S 2.0	/* after abort, before SIGKILL */
#define LOST_WAIT_S 0.5 /* for a lost agent's exit status */
#define MAX_LINE (64u << 20)

struct agent {
	const struct agent_target *t;
	int index; /* 1-based, as in messages */
	pid_t pid;
	int to, from; /* pipe ends: its stdin, its stdout */
	char *buf;    /* what was read of its stdout, not yet a line */
	size_t len, cap;
	bool eof;
	char *err_log;
	double offset_us, rtt_us; /* its clock minus ours; best round trip */
	double heard;		  /* sys_now() of its last line */
	json_t *hello, *result;
	int connections;
};

static double realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e6 + (double)(ts.tv_nsec / 1000);
}

int agents_parse(struct agents_conf *conf, const char *list, char *err, size_t errlen)
{
	char *copy = sys_strdup(list), *save = NULL;

	conf->n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct agent_target *a = &conf->targets[conf->n];

		if (conf->n == AGENTS_MAX) {
			snprintf(err, errlen, "--clients: at most %d agents", AGENTS_MAX);
			return -1;
		}
		a->spec = sys_strdup(t);
		if (strcmp(t, "local") == 0)
			a->kind = AGENT_LOCAL, a->where = NULL;
		else if (strncmp(t, "netns:", 6) == 0 && t[6])
			a->kind = AGENT_NETNS, a->where = a->spec + 6;
		else if (strncmp(t, "ssh:", 4) == 0 && t[4] && t[4] != '-')
			a->kind = AGENT_SSH, a->where = a->spec + 4;
		else {
			snprintf(err, errlen,
				 "--clients: '%s' is none of local, netns:NAME, ssh:[user@]host",
				 t);
			return -1;
		}
		conf->n++;
	}
	free(copy);
	if (conf->n == 0) {
		snprintf(err, errlen, "--clients: no agent given");
		return -1;
	}
	return 0;
}

/* The command that runs `loadgen --agent` at the target. */
static void agent_argv(const struct agents_conf *conf, const struct agent_target *t, const char **v)
{
	int n = 0;

	if (t->kind == AGENT_NETNS)
		v[n++] = "ip", v[n++] = "netns", v[n++] = "exec", v[n++] = t->where;
	if (t->kind == AGENT_SSH) {
		v[n++] = "ssh", v[n++] = "-o", v[n++] = "BatchMode=yes";
		v[n++] = "-o", v[n++] = "ConnectTimeout=10";
		if (conf->ssh_config)
			v[n++] = "-F", v[n++] = conf->ssh_config;
		v[n++] = t->where;
	}
	v[n++] = conf->loadgen;
	v[n++] = "--agent";
	v[n] = NULL;
}

/* Forks the agent with its pipes.  Returns 0 or -1 (err set). */
static int agent_start(const struct agents_conf *conf, struct agent *a, char *err, size_t errlen)
{
	const char *argv[20];
	int in[2], out[2], log;

	agent_argv(conf, a->t, argv);
	log = open(a->err_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "agent %d (%s): %s", a->index, a->t->spec, strerror(errno));
		return -1;
	}
	a->pid = fork();
	if (a->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (conf->cpus && a->t->kind != AGENT_SSH)
			proc_pin(conf->cpus);
		dup2(in[0], 0), dup2(out[1], 1), dup2(log, 2);
		execvp(argv[0], (char **)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]), close(out[1]), close(log);
	a->to = in[1], a->from = out[0];
	if (a->pid < 0) {
		snprintf(err, errlen, "agent %d: fork: %s", a->index, strerror(errno));
		return -1;
	}
	a->heard = sys_now();
	return 0;
}

/* Sends one message (steals it).  A closed pipe shows as a lost agent
 * when its answer does not come; SIGPIPE is ignored by the harness. */
static void agent_send(struct agent *a, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;

	json_decref(msg);
	if (!text)
		return;
	text[len] = '\n'; /* replaces the NUL; written with its length */
	for (size_t off = 0; off <= len;) {
		ssize_t n = write(a->to, text + off, len + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(text);
}

/* A complete line already read, as a JSON object, or NULL. */
static json_t *take_line(struct agent *a)
{
	char *nl = a->len ? memchr(a->buf, '\n', a->len) : NULL;
	json_t *msg;
	size_t used;

	if (!nl)
		return NULL;
	msg = json_loadb(a->buf, (size_t)(nl - a->buf), 0, NULL);
	used = (size_t)(nl - a->buf) + 1;
	memmove(a->buf, nl + 1, a->len - used);
	a->len -= used;
	if (!json_is_object(msg)) {
		json_decref(msg);
		msg = json_pack("{s:s, s:s}", "type", "error", "message",
				"a line of its output is not a JSON object");
	}
	return msg;
}

/* Reads what is there of its stdout (called when poll says so). */
static void fill(struct agent *a)
{
	ssize_t n;

	if (a->cap - a->len < 65536) {
		a->cap = a->cap ? a->cap * 2 : 1 << 20;
		a->buf = sys_grow(a->buf, a->cap);
	}
	n = read(a->from, a->buf + a->len, a->cap - a->len);
	if (n > 0)
		a->len += (size_t)n, a->heard = sys_now();
	else if (n == 0 || errno != EINTR)
		a->eof = true;
	if (a->len >= MAX_LINE)
		a->eof = true;
}

/* The next message of one agent, waiting until deadline (sys_now()).
 * NULL if it closed its output or the time is up. */
static json_t *agent_next(struct agent *a, double deadline)
{
	for (;;) {
		json_t *msg = take_line(a);
		struct pollfd p = {.fd = a->from, .events = POLLIN};
		double left = deadline - sys_now();

		if (msg || a->eof || left <= 0)
			return msg;
		if (poll(&p, 1, (int)ceil(left * 1000)) > 0)
			fill(a);
	}
}

/* Why an agent is gone: how it exited and the last line of its stderr
 * (ssh's or loadgen's own words). */
static void lost_reason(struct agent *a, const char *what, char *err, size_t errlen)
{
	char *text = sys_read_file(a->err_log, NULL), *line = text ? text : "", how[64] = "";
	int status;

	if (text) {
		char *end = text + strlen(text);

		while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		line = strrchr(text, '\n') ? strrchr(text, '\n') + 1 : text;
	}
	/* Its output closes an instant before it exits: wait for that. */
	for (double until = sys_now() + LOST_WAIT_S; a->pid > 0; sys_sleep(0.01)) {
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			proc_describe(status, how, sizeof(how));
			a->pid = -1;
		} else if (sys_now() > until) {
			break;
		}
	}
	snprintf(err, errlen, "agent %d (%s) %s%s%s%s%s", a->index, a->t->spec, what,
		 how[0] ? " (" : "", how, how[0] ? ")" : "", line[0] ? ": " : "");
	if (line[0])
		snprintf(err + strlen(err), errlen - strlen(err), "%s", line);
	free(text);
}

/* Reads the hello and checks the protocol version. */
static int agent_hello(struct agent *a, char *err, size_t errlen)
{
	json_t *msg = agent_next(a, sys_now() + HELLO_TIMEOUT_S);
	const char *type = json_string_value(json_object_get(msg, "type"));
	json_int_t v = json_integer_value(json_object_get(msg, "version"));

	if (!msg || !type || strcmp(type, "hello") != 0) {
		lost_reason(a, msg ? "did not say hello" : "is unreachable or not a loadgen agent",
			    err, errlen);
		json_decref(msg);
		return -1;
	}
	if (v != AGENT_PROTO_VERSION) {
		snprintf(err, errlen,
			 "agent %d (%s): its loadgen speaks agent protocol version %lld, this "
			 "bench speaks %d: build the same commit of modelbench there",
			 a->index, a->t->spec, (long long)v, AGENT_PROTO_VERSION);
		json_decref(msg);
		return -1;
	}
	a->hello = msg;
	return 0;
}

/* PINGS ping-pongs; keeps the offset of the fastest. */
static int agent_clock(struct agent *a, char *err, size_t errlen)
{
	a->rtt_us = INFINITY;
	for (int i = 0; i < PINGS; i++) {
		double t0 = realtime_us(), t2;
		json_t *msg;

		agent_send(a, json_pack("{s:s, s:f}", "type", "ping", "t0", t0));
		msg = agent_next(a, sys_now() + REPLY_TIMEOUT_S);
		t2 = realtime_us();
		if (!msg || !json_object_get(msg, "t1")) {
			lost_reason(a, "did not answer a ping", err, errlen);
			json_decref(msg);
			return -1;
		}
		if (t2 - t0 < a->rtt_us) {
			a->rtt_us = t2 - t0;
			a->offset_us =
			    json_number_value(json_object_get(msg, "t1")) - (t0 + t2) / 2;
		}
		json_decref(msg);
	}
	return 0;
}

/* Frees and reaps: abort to whoever still listens, stdin closed, then
 * STOP_S to exit before SIGKILL. */
static void agents_stop(struct agent *ag, int n)
{
	double deadline = sys_now() + STOP_S;
	int status;

	for (int i = 0; i < n; i++) {
		if (ag[i].to >= 0 && ag[i].pid > 0)
			agent_send(&ag[i], json_pack("{s:s}", "type", "abort"));
		if (ag[i].to >= 0)
			close(ag[i].to);
		ag[i].to = -1;
	}
	for (int i = 0; i < n; i++) {
		while (ag[i].pid > 0 && waitpid(ag[i].pid, &status, WNOHANG) == 0 &&
		       sys_now() < deadline)
			sys_sleep(0.01);
		if (ag[i].pid > 0 && waitpid(ag[i].pid, &status, WNOHANG) == 0) {
			kill(ag[i].pid, SIGKILL);
			waitpid(ag[i].pid, &status, 0);
		}
		if (ag[i].from >= 0)
			close(ag[i].from);
		free(ag[i].buf);
		free(ag[i].err_log);
		json_decref(ag[i].hello);
		json_decref(ag[i].result);
	}
	free(ag);
}

static struct agent *agents_new(const struct agents_conf *conf, const char *log_base)
{
	struct agent *ag = sys_alloc(sizeof(*ag) * (size_t)conf->n);

	for (int i = 0; i < conf->n; i++) {
		ag[i] =
		    (struct agent){.t = &conf->targets[i], .index = i + 1, .to = -1, .from = -1};
		ag[i].err_log = sys_fmt("%s.agent-%d.txt", log_base, i + 1);
	}
	return ag;
}

/* Starts every agent and reads its hello: all started first, so that
 * slow ssh connections overlap. */
static int start_all(const struct agents_conf *conf, struct agent *ag, char *err, size_t errlen)
{
	for (int i = 0; i < conf->n; i++)
		if (agent_start(conf, &ag[i], err, errlen) < 0)
			return -1;
	for (int i = 0; i < conf->n; i++)
		if (agent_hello(&ag[i], err, errlen) < 0)
			return -1;
	return 0;
}

json_t *agents_probe(const struct agents_conf *conf, char *err, size_t errlen)
{
	char dir[] = "/tmp/bench-agents.XXXXXX", *base;
	struct agent *ag;
	json_t *hosts = NULL;

	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		return NULL;
	}
	base = sys_fmt("%s/probe", dir);
	ag = agents_new(conf, base);
	if (start_all(conf, ag, err, errlen) == 0) {
		hosts = json_array();
		for (int i = 0; i < conf->n; i++)
			json_array_append_new(
			    hosts, json_pack("{s:s, s:O}", "target", conf->targets[i].spec, "host",
					     json_object_get(ag[i].hello, "host")));
	}
	agents_stop(ag, conf->n);
	for (int i = 0; i < conf->n; i++) {
		char *log = sys_fmt("%s.agent-%d.txt", base, i + 1);

		unlink(log);
		free(log);
	}
	rmdir(dir);
	free(base);
	return hosts;
}

/* Agent i's share of total: as even as possible, the first ones one more. */
static double share(double total, int n, int i, bool whole)
{
	if (!whole)
		return total / n;
	return floor(total / n) + (i < (int)fmod(total, n));
}

/* Threads of one agent: the run's (this host's client CPUs, or the
 * scenario's), but an ssh agent has a host of its own and uses its cores
 * (from its hello); never more than its connections. */
static int agent_threads(const struct agent *a, const struct agents_run *run)
{
	json_int_t cpus =
	    json_integer_value(json_object_get(json_object_get(a->hello, "host"), "cpus_online"));
	int threads = run->threads;

	if (a->t->kind == AGENT_SSH && !run->threads_fixed && cpus > 0 && cpus < 1024)
		threads = (int)cpus;
	return threads < a->connections ? threads : a->connections;
}

/* Sends prepare with agent i's share and waits for ready. */
static int agent_prepare(struct agent *a, const struct agents_run *run, int n, char *err,
			 size_t errlen)
{
	json_t *args = json_array(), *msg;
	int i = a->index - 1, idle = (int)share(run->idle, n, i, true);
	const char *type;

	a->connections = (int)share(run->connections, n, i, true);
	if (a->connections < 1) {
		snprintf(err, errlen, "%d connections cannot be shared by %d agents",
			 run->connections, n);
		return -1;
	}
	json_array_append_new(args, json_string("-t"));
	json_array_append_new(args, json_sprintf("%d", agent_threads(a, run)));
	json_array_append_new(args, json_string("-c"));
	json_array_append_new(args, json_sprintf("%d", a->connections));
	if (run->rate > 0) {
		json_array_append_new(args, json_string("-R"));
		json_array_append_new(
		    args, json_sprintf("%.0f", fmax(1, share(round(run->rate), n, i, true))));
	}
	if (idle > 0) {
		json_array_append_new(args, json_string("--idle"));
		json_array_append_new(args, json_sprintf("%d", idle));
	}
	for (char **p = run->args; *p; p++)
		json_array_append_new(args, json_string(*p));
	agent_send(a, json_pack("{s:s, s:i, s:o}", "type", "prepare", "version",
				AGENT_PROTO_VERSION, "args", args));
	msg = agent_next(a, sys_now() + REPLY_TIMEOUT_S);
	type = json_string_value(json_object_get(msg, "type"));
	if (type && strcmp(type, "ready") == 0) {
		json_decref(msg);
		return 0;
	}
	if (type && strcmp(type, "error") == 0)
		snprintf(err, errlen, "agent %d (%s) refused: %s", a->index, a->t->spec,
			 json_string_value(json_object_get(msg, "message")));
	else
		lost_reason(a, "did not get ready", err, errlen);
	json_decref(msg);
	return -1;
}

/* One message during the run.  Returns 1 when it was the result, 0 for
 * progress, -1 (err set) for anything else. */
static int on_message(struct agent *a, json_t *msg, char *err, size_t errlen)
{
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (type && strcmp(type, "result") == 0) {
		a->result = json_incref(msg);
		return 1;
	}
	if (type && (strcmp(type, "progress") == 0 || strcmp(type, "pong") == 0))
		return 0;
	if (type && strcmp(type, "error") == 0)
		snprintf(err, errlen, "agent %d (%s) failed: %s", a->index, a->t->spec,
			 json_string_value(json_object_get(msg, "message")));
	else
		lost_reason(a, "stopped its run", err, errlen);
	return -1;
}

/* Watches every agent until all have sent their result.  Returns 0, -1
 * (err set) or -2 (stopping). */
static int watch(struct agent *ag, int n, const struct agents_run *run, double deadline, char *err,
		 size_t errlen)
{
	struct pollfd p[AGENTS_MAX];
	int pending = n;

	while (pending > 0) {
		for (int i = 0; i < n; i++) {
			json_t *msg;
			int rc;

			while (!ag[i].result && (msg = take_line(&ag[i]))) {
				rc = on_message(&ag[i], msg, err, errlen);
				json_decref(msg);
				if (rc < 0)
					return -1;
				pending -= rc;
			}
			if (!ag[i].result && ag[i].eof) {
				lost_reason(&ag[i], "was lost during the run", err, errlen);
				return -1;
			}
			if (!ag[i].result && sys_now() - ag[i].heard > SILENT_S) {
				lost_reason(&ag[i], "went silent during the run", err, errlen);
				return -1;
			}
			p[i] =
			    (struct pollfd){.fd = ag[i].result ? -1 : ag[i].from, .events = POLLIN};
		}
		if (*run->stopping)
			return -2;
		if (pending > 0 && sys_now() > deadline) {
			snprintf(err, errlen, "agents did not finish in time");
			return -1;
		}
		if (pending > 0 && poll(p, (nfds_t)n, 200) > 0)
			for (int i = 0; i < n; i++)
				if (p[i].revents)
					fill(&ag[i]);
	}
	return 0;
}

/* Each agent's own figures, for the report's per-agent table, with its
 * own histogram (so anyone can check the merge: tests/harness/t-agents). */
static json_t *agent_summary(const struct agent *a, double start_us)
{
	json_t *doc = json_object_get(a->result, "doc");
	double started = json_number_value(json_object_get(a->result, "started_at")) - a->offset_us;

	/* clang-format off */
	return json_pack("{s:i, s:s, s:O, s:f, s:f, s:f, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
			 "agent", a->index,
			 "target", a->t->spec,
			 "host", json_object_get(json_object_get(a->hello, "host"), "hostname"),
			 "clock_offset_us", a->offset_us,
			 "clock_rtt_us", a->rtt_us,
			 "start_late_us", started - start_us,
			 "config", json_object_get(doc, "config"),
			 "requests", json_object_get(doc, "requests"),
			 "requests_per_s", json_object_get(doc, "requests_per_s"),
			 "client_cpu_s", json_object_get(doc, "client_cpu_s"),
			 "errors", json_object_get(json_object_get(doc, "errors"), "total"),
			 "latency_us", json_object_get(doc, "latency_us"),
			 "histogram", json_object_get(doc, "histogram"));
	/* clang-format on */
}

/* Writes the merged document and histogram distribution. */
static int write_merged(struct agent *ag, int n, const struct agents_run *run, double start_us,
			char *err, size_t errlen)
{
	json_t *results[AGENTS_MAX], *doc, *per = json_array();
	struct hist *h[AGENTMERGE_HISTS];
	double first = INFINITY, last = -INFINITY, merge_s;
	FILE *f;
	int rc = -1;

	for (int k = 0; k < AGENTMERGE_HISTS; k++)
		h[k] = hist_new();
	for (int i = 0; i < n; i++) {
		json_t *s = agent_summary(&ag[i], start_us);
		double late = json_number_value(json_object_get(s, "start_late_us"));

		results[i] = ag[i].result;
		first = fmin(first, late), last = fmax(last, late);
		json_array_append_new(per, s);
	}
	merge_s = sys_now();
	if (agentmerge(results, n, h, &doc, err, errlen) == 0) {
		/* What the merge costs (docs/scaling.md): decoding and adding
		 * the histograms and the documents, once per run. */
		json_object_set_new(doc, "merge_s", json_real(sys_now() - merge_s));
		json_object_set_new(doc, "start_skew_us", json_real(last - first));
		json_object_set(doc, "agents", per);
		rc = json_dump_file(doc, run->json_path, JSON_COMPACT) < 0 ? -1 : 0;
		if (rc < 0)
			snprintf(err, errlen, "cannot write %s", run->json_path);
		f = rc == 0 && run->hgrm_path ? fopen(run->hgrm_path, "w") : NULL;
		if (f) {
			hist_print_classic(h[0], f, 5, 1000.0);
			fclose(f);
		}
		json_decref(doc);
	}
	json_decref(per);
	for (int k = 0; k < AGENTMERGE_HISTS; k++)
		hist_free(h[k]);
	return rc;
}

/* The whole run once every agent is started and has said hello. */
static int coordinate(struct agent *ag, int n, const struct agents_run *run, char *err,
		      size_t errlen)
{
	double slowest = 0, start_us;

	for (int i = 0; i < n; i++) {
		if (agent_clock(&ag[i], err, errlen) < 0 ||
		    agent_prepare(&ag[i], run, n, err, errlen) < 0)
			return -1;
		slowest = fmax(slowest, ag[i].rtt_us);
	}
	start_us = realtime_us() + START_MARGIN_S * 1e6 + 2 * slowest;
	for (int i = 0; i < n; i++)
		agent_send(&ag[i], json_pack("{s:s, s:I}", "type", "start", "at",
					     (json_int_t)llround(start_us + ag[i].offset_us)));
	for (int i = 0; i < n; i++)
		ag[i].heard = sys_now() + START_MARGIN_S + 2 * slowest / 1e6;
	if (watch(ag, n, run, sys_now() + START_MARGIN_S + run->run_s + 10, err, errlen) < 0)
		return *run->stopping ? -2 : -1;
	return write_merged(ag, n, run, start_us, err, errlen);
}

int agents_run(const struct agents_conf *conf, const struct agents_run *run, char *err,
	       size_t errlen)
{
	struct agent *ag = agents_new(conf, run->log_base);
	int rc;

	unlink(run->json_path);
	rc = start_all(conf, ag, err, errlen);
	if (rc == 0)
		rc = coordinate(ag, conf->n, run, err, errlen);
	agents_stop(ag, conf->n);
	if (rc == -1 && *run->stopping)
		rc = -2;
	return rc;
}
