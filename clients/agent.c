/*
 * agent.c - `loadgen --agent`: the load generator driven by a coordinator
 * (`bench run --clients`, harness/run/agents.c) over stdin and stdout.
 *
 * The protocol is lib/agentproto.h: hello, ping/pong for the clock offset,
 * prepare (the usual command-line options, parsed by options_parse() so
 * that an agent accepts exactly what loadgen does), start at a given
 * CLOCK_REALTIME, one progress line a second, and the result: the --json
 * document plus every histogram counter, run-length encoded, so that the
 * coordinator merges histograms exactly.
 *
 * Why stdin/stdout and no port: the same pipe works for a child process,
 * `ip netns exec` and ssh, so there is one code path, nothing to secure
 * and nothing left listening if the coordinator dies.  When stdin closes
 * (the coordinator or the ssh connection is gone) the agent stops its run
 * and exits without a result.
 *
 * Threads: the measurement (lg_measure()) runs on its own thread, so that
 * the main thread keeps reading commands (abort) and writing progress;
 * only the main thread writes to stdout.  A bad option in prepare exits 2
 * with loadgen's usual message on stderr, which the coordinator reports.
 */
#include "agentproto.h"
#include "loadgen.h"
#include "process.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#define AGENT_MAX_LINE (1 << 20)
#define AGENT_MAX_ARGS 64

/* A line reader on fd 0 that works with poll(): stdio's buffer would hide
 * a second line from poll. */
struct line_in {
	char buf[AGENT_MAX_LINE];
	size_t len;
	bool eof;
};

/* The run on its own thread, and what it leaves behind. */
struct measure {
	struct lg_config cfg;
	struct lg_target tgt;
	struct lg_summary sum;
	pthread_t tid;
	volatile int done;
};

static uint64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Writes one message and steals its reference.  A failed write means the
 * coordinator is gone: nothing left to do. */
static void send_msg(json_t *msg)
{
	if (!msg)
		lg_die("agent: out of memory building a message");
	if (json_dumpf(msg, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		lg_die("agent: cannot write to the coordinator: %s", strerror(errno));
	json_decref(msg);
}

static void send_error(const char *message)
{
	send_msg(json_pack("{s:s, s:s}", "type", "error", "message", message));
}

/* The next complete line as a JSON object, or NULL: none yet within
 * timeout_ms (in->eof tells if stdin closed).  A line that is not JSON is
 * a protocol error. */
static json_t *read_msg(struct line_in *in, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(in->buf, '\n', in->len);
		struct pollfd p = {.fd = 0, .events = POLLIN};
		ssize_t n;

		if (nl) {
			json_error_t jerr;
			json_t *msg = json_loadb(in->buf, (size_t)(nl - in->buf), 0, &jerr);
			size_t used = (size_t)(nl - in->buf) + 1;

			memmove(in->buf, nl + 1, in->len - used);
			in->len -= used;
			if (!json_is_object(msg))
				lg_die(
				    "agent: a line from the coordinator is not a JSON object: %s",
				    jerr.text);
			return msg;
		}
		if (in->eof || in->len == sizeof(in->buf))
			return in->eof = true, NULL;
		if (poll(&p, 1, timeout_ms) <= 0)
			return NULL;
		n = read(0, in->buf + in->len, sizeof(in->buf) - in->len);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			in->eof = true;
		else if (n > 0)
			in->len += (size_t)n;
		timeout_ms = 0; /* what was there is read; come back for more */
	}
}

static const char *msg_type(const json_t *msg)
{
	const char *t = json_string_value(json_object_get(msg, "type"));

	return t ? t : "";
}

/* The first line of /proc/cpuinfo's "model name", or "" */
static json_t *cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], *colon;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0 && (colon = strchr(line, ':'))) {
			fclose(f);
			colon[strcspn(colon, "\n")] = '\0';
			return json_string(colon + 1 + (colon[1] == ' '));
		}
	if (f)
		fclose(f);
	return json_string("");
}

/* Entries named nodeN in /sys/devices/system/node: the NUMA nodes. */
static int numa_nodes(void)
{
	char path[64];
	int n = 0;

	while (n < 1024) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK) != 0)
			break;
		n++;
	}
	return n;
}

/* What meta.json records of this host: kernel, CPU, topology. */
static json_t *host_json(void)
{
	struct utsname u;
	char name[256] = "";

	uname(&u);
	gethostname(name, sizeof(name) - 1);
	/* clang-format off */
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I}",
			 "hostname", name,
			 "kernel", u.release,
			 "kernel_version", u.version,
			 "machine", u.machine,
			 "cpu_model", cpu_model(),
			 "cpus_online", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
			 "cpus_configured", (json_int_t)sysconf(_SC_NPROCESSORS_CONF),
			 "numa_nodes", (json_int_t)numa_nodes());
	/* clang-format on */
}

static void send_hello(void)
{
	/* clang-format off */
	send_msg(json_pack("{s:s, s:i, s:[s, s, s, s, s], s:o}",
			   "type", "hello",
			   "version", AGENT_PROTO_VERSION,
			   "capabilities", "http", "echo", "open-loop", "hist-rle", "progress",
			   "host", host_json()));
	/* clang-format on */
}

/* Answers a ping with the agent's clock, read as late as possible. */
static void send_pong(const json_t *ping)
{
	json_t *t0 = json_object_get(ping, "t0");

	send_msg(json_pack("{s:s, s:O, s:I}", "type", "pong", "t0", t0 ? t0 : json_null(), "t1",
			   (json_int_t)realtime_us()));
}

/* prepare: checks the version, parses the options as loadgen's command
 * line (exits 2 with the usual message when they are wrong) and resolves
 * the target.  argv strings are copied: cfg points into them. */
static void prepare(struct measure *m, const json_t *msg)
{
	static char *argv[AGENT_MAX_ARGS + 2];
	json_t *args = json_object_get(msg, "args"), *a;
	json_int_t version = json_integer_value(json_object_get(msg, "version"));
	size_t i;
	char why[160];

	if (version != AGENT_PROTO_VERSION) {
		snprintf(why, sizeof(why),
			 "agent protocol version %lld from the coordinator, this loadgen speaks %d",
			 (long long)version, AGENT_PROTO_VERSION);
		send_error(why);
		exit(1);
	}
	if (!json_is_array(args) || json_array_size(args) > AGENT_MAX_ARGS) {
		send_error("prepare: args is not an array of at most 64 strings");
		exit(1);
	}
	argv[0] = "loadgen";
	json_array_foreach(args, i, a)
	{
		if (!json_is_string(a) || !(argv[i + 1] = strdup(json_string_value(a))))
			lg_die("agent: prepare: argument %zu is not a string", i);
	}
	argv[json_array_size(args) + 1] = NULL;
	options_parse(&m->cfg, (int)json_array_size(args) + 1, argv);
	if (m->cfg.json_path || m->cfg.hgrm_path || m->cfg.latency) {
		send_error("prepare: --json, --hgrm and --latency are the coordinator's");
		exit(1);
	}
	target_init(&m->tgt, &m->cfg);
	send_msg(json_pack("{s:s}", "type", "ready"));
}

static void *measure_thread(void *arg)
{
	struct measure *m = arg;

	lg_measure(&m->cfg, &m->tgt, &m->sum);
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* One histogram, every counter: {"min","max","clamped","total","rle"}. */
static json_t *hist_json(const struct hist *h)
{
	static int64_t rle[HIST_COUNTERS];
	size_t n;
	json_t *a;

	if (!h)
		return json_null();
	n = hist_rle_encode(h, rle, HIST_COUNTERS);
	a = json_array();
	for (size_t i = 0; i < n && a; i++)
		if (json_array_append_new(a, json_integer(rle[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	if (!a)
		return NULL;
	/* clang-format off */
	return json_pack("{s:I, s:I, s:I, s:I, s:o}",
			 "min", (json_int_t)(h->total ? h->min : 0),
			 "max", (json_int_t)h->max,
			 "clamped", (json_int_t)h->clamped,
			 "total", (json_int_t)h->total,
			 "rle", a);
	/* clang-format on */
}

static void send_result(const struct measure *m, uint64_t started_at)
{
	const struct lg_result *r = &m->sum.total;

	/* clang-format off */
	send_msg(json_pack("{s:s, s:I, s:o, s:{s:o, s:o, s:o, s:o}}",
			   "type", "result",
			   "started_at", (json_int_t)started_at,
			   "doc", json_document(&m->cfg, &m->sum),
			   "hists",
			   "latency", hist_json(r->latency),
			   "uncorrected", hist_json(r->uncorrected),
			   "connect", hist_json(r->connect),
			   "ttfb", hist_json(r->ttfb)));
	/* clang-format on */
}

/* Waits for the start time (agent's clock), still listening for abort
 * until the last FINAL_SLEEP_US, which are one clock_nanosleep() to the
 * exact instant: no spinning, which on a shared core would delay the
 * other agents waking at the same moment.  Returns false if the run was
 * called off before it began. */
#define FINAL_SLEEP_US 20000

static bool wait_for_start(struct line_in *in, uint64_t at)
{
	struct timespec ts = {.tv_sec = (time_t)(at / 1000000),
			      .tv_nsec = (long)(at % 1000000) * 1000};

	for (uint64_t now = realtime_us(); now + FINAL_SLEEP_US < at; now = realtime_us()) {
		json_t *msg = read_msg(in, (int)((at - now - FINAL_SLEEP_US) / 1000) + 1);

		if (in->eof)
			return false;
		if (msg && strcmp(msg_type(msg), "abort") == 0)
			return json_decref(msg), false;
		if (msg && strcmp(msg_type(msg), "ping") == 0)
			send_pong(msg);
		json_decref(msg);
	}
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return true;
}

/* The run: starts the measurement thread, sends progress every second,
 * stops it on abort or when stdin closes.  Returns the exit status. */
static int run(struct measure *m, struct line_in *in, uint64_t at)
{
	uint64_t started_at, next;
	int second = 0;
	bool aborted = false;

	if (!wait_for_start(in, at)) {
		send_msg(json_pack("{s:s}", "type", "aborted"));
		return 1;
	}
	started_at = realtime_us();
	next = started_at + 1000000;
	if ((errno = pthread_create(&m->tid, NULL, measure_thread, m)))
		lg_die("pthread_create: %s", strerror(errno));
	while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
		json_t *msg = in->eof ? NULL : read_msg(in, 100);

		if (in->eof || (msg && strcmp(msg_type(msg), "abort") == 0)) {
			aborted = true;
			lg_stopping = 1; /* the workers drain and return */
		}
		json_decref(msg);
		if (realtime_us() >= next) {
			send_msg(json_pack("{s:s, s:i, s:f}", "type", "progress", "second",
					   ++second, "cpu_s", cpu_seconds()));
			next += 1000000;
		}
		if (in->eof)
			usleep(10000);
	}
	pthread_join(m->tid, NULL);
	if (aborted || lg_stopping) {
		if (!in->eof)
			send_msg(json_pack("{s:s}", "type", "aborted"));
		return 1;
	}
	send_result(m, started_at);
	return 0;
}

int agent_main(void)
{
	static struct line_in in;
	static struct measure m;
	json_t *msg;
	int rc = 1;

	lg_setup_process();
	send_hello();
	while ((msg = read_msg(&in, -1)) || !in.eof) {
		const char *type = msg_type(msg);

		if (!msg)
			continue;
		if (strcmp(type, "ping") == 0)
			send_pong(msg);
		else if (strcmp(type, "prepare") == 0)
			prepare(&m, msg);
		else if (strcmp(type, "start") == 0 && m.cfg.url) {
			rc = run(&m, &in, (uint64_t)json_integer_value(json_object_get(msg, "at")));
			json_decref(msg);
			break;
		} else if (strcmp(type, "abort") == 0) {
			send_msg(json_pack("{s:s}", "type", "aborted"));
			json_decref(msg);
			break;
		} else {
			send_error("unexpected message (start before prepare, or unknown type)");
			json_decref(msg);
			break;
		}
		json_decref(msg);
	}
	if (m.cfg.url) {
		if (m.done)
			lg_summary_free(&m.sum);
		target_free(&m.tgt);
		options_free(&m.cfg);
	}
	return rc;
}
