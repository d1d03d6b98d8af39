/*
 * opt.c - the shared server command line.
 */
#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

enum {
	OPT_PROTO = 1,
	OPT_HOST,
	OPT_PORT,
	OPT_WORKERS,
	OPT_BACKLOG,
	OPT_IDLE,
	OPT_HEADER,
	OPT_DELAY,
	OPT_WORK,
	OPT_WORK_NS,
	OPT_DELAY_BLOCKING,
	OPT_START,
	OPT_MIN_SPARE,
	OPT_MAX_SPARE,
	OPT_PUBLISH_HZ,
	OPT_POLL_TIMEOUT,
	OPT_HELP
};

static const struct option long_opts[] = {
    {"proto", required_argument, NULL, OPT_PROTO},
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"backlog", required_argument, NULL, OPT_BACKLOG},
    {"idle-timeout", required_argument, NULL, OPT_IDLE},
    {"header-timeout", required_argument, NULL, OPT_HEADER},
    {"delay-us", required_argument, NULL, OPT_DELAY},
    {"work-us", required_argument, NULL, OPT_WORK},
    {"work-ns", required_argument, NULL, OPT_WORK_NS},
    {"delay-blocking", no_argument, NULL, OPT_DELAY_BLOCKING},
    {"start-workers", required_argument, NULL, OPT_START},
    {"min-spare", required_argument, NULL, OPT_MIN_SPARE},
    {"max-spare", required_argument, NULL, OPT_MAX_SPARE},
    {"publish-hz", required_argument, NULL, OPT_PUBLISH_HZ},
    {"poll-timeout-ms", required_argument, NULL, OPT_POLL_TIMEOUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

static const char *workers_text(const struct model *m)
{
	static char text[64];

	if (m->default_workers == MODEL_WORKERS_PER_CORE)
		return "one per core";
	if (m->default_workers == 0)
		return "none: the model has no workers";
	snprintf(text, sizeof(text), "%d", m->default_workers);
	return text;
}

/* "default N" for one of the adaptive pool's settings (0 start, 1 min
 * spare, 2 max spare), or that this model ignores it. */
static const char *adaptive_text(const struct model *m, int which)
{
	static char text[3][32];
	int v[3] = {m->adaptive.start_workers, m->adaptive.min_spare, m->adaptive.max_spare};

	if (m->adaptive.start_workers == 0)
		return "ignored here";
	snprintf(text[which], sizeof(text[which]), "default %d", v[which]);
	return text[which];
}

static void usage(FILE *out, const struct model *m)
{
	fprintf(out,
		"usage: server-%s [options]\n"
		"  %s\n\n"
		"  --proto echo|http|lines  workload (default http); lines is the\n"
		"                        seed article's stateful echo (lib/lines.h)\n"
		"  --host ADDR           address to listen on (default 127.0.0.1)\n"
		"  --port N              port, 0 = any free port (default 8080)\n"
		"  --workers N           threads or processes (default %s)\n"
		"  --backlog N           listen backlog (default 4096)\n"
		"  --idle-timeout S      close connections idle S seconds, 0 = never (default 60)\n"
		"  --header-timeout S    a request head must arrive within S seconds (default 10)\n"
		"  --delay-us N          simulated backend wait per request (default 0)\n"
		"  --work-us N           CPU spin per request, in microseconds (default 0)\n"
		"  --work-ns N           the same in nanoseconds, for small calibrated costs\n"
		"  --delay-blocking      event loops sleep in the loop instead of arming a timer\n"
		"  --start-workers N     an adaptive pool's workers at start (%s)\n"
		"  --min-spare N         fewer idle workers: start more (%s)\n"
		"  --max-spare N         more idle workers: stop one (%s)\n"
		"                        (0 = the model's default; a model without an\n"
		"                        adaptive pool ignores these three)\n"
		"  --publish-hz F        server push: events per second for GET /events,\n"
		"                        /poll and /ws; 0 = those answer 404 (default 10,\n"
		"                        or 0 with --delay-us or --delay-blocking)\n"
		"  --poll-timeout-ms N   a held GET /poll is answered 204 after N ms\n"
		"                        (default 30000)\n"
		"  --help                this text\n\n"
		"Prints \"listening on HOST:PORT\" first; SIGTERM or SIGINT stops it and\n"
		"prints its counters.\n",
		m->name, m->about, workers_text(m), adaptive_text(m, 0), adaptive_text(m, 1),
		adaptive_text(m, 2));
}

/* Parses a whole decimal number in [lo, hi] or exits naming the option. */
static long parse_num(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "--%s: '%s' is not a number in %ld..%ld\n", opt, arg, lo, hi);
		exit(2);
	}
	return v;
}

/* Server push and --delay-us do not mix.  The event loops keep their
 * timers in a FIFO (lib/conn.h's conn_fifo), correct only while deadlines
 * come in the order they were set: every --delay-us has one length, and
 * every push wait ends at the next publish tick (lib/push.h), but a mix of
 * the two would not be in order.  --delay-blocking sleeps in the loop for a
 * delay a push wait does not have.  So either disables push by default and
 * is refused together with an explicit --publish-hz above 0. */
static void check_push(struct server_config *cfg, bool publish_given)
{
	if (!cfg->delay_us && !cfg->delay_blocking)
		return;
	if (publish_given && cfg->publish_hz > 0) {
		fprintf(stderr,
			"--publish-hz: server push cannot be combined with %s "
			"(the timer queues need one kind of wait); use --publish-hz 0\n",
			cfg->delay_us ? "--delay-us" : "--delay-blocking");
		exit(2);
	}
	cfg->publish_hz = 0;
}

void opt_parse(struct server_config *cfg, int argc, char **argv, const struct model *m)
{
	bool publish_given = false;
	int c;

	*cfg = (struct server_config){.publish_hz = 10,
				      .poll_timeout_ms = 30000,
				      .proto = PROTO_HTTP,
				      .host = "127.0.0.1",
				      .port = 8080,
				      .backlog = 4096,
				      .idle_timeout_s = 60,
				      .header_timeout_s = 10};
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROTO:
			if (strcmp(optarg, "echo") == 0)
				cfg->proto = PROTO_ECHO;
			else if (strcmp(optarg, "http") == 0)
				cfg->proto = PROTO_HTTP;
			else if (strcmp(optarg, "lines") == 0)
				cfg->proto = PROTO_LINES;
			else {
				fprintf(stderr, "--proto: '%s' is not echo, http or lines\n",
					optarg);
				exit(2);
			}
			break;
		case OPT_HOST:
			cfg->host = optarg;
			break;
		case OPT_PORT:
			cfg->port = parse_num("port", optarg, 0, 65535);
			break;
		case OPT_WORKERS:
			cfg->workers = parse_num("workers", optarg, 0, 4096);
			break;
		case OPT_BACKLOG:
			cfg->backlog = parse_num("backlog", optarg, 1, 1 << 20);
			break;
		case OPT_IDLE:
			cfg->idle_timeout_s = parse_num("idle-timeout", optarg, 0, 86400);
			break;
		case OPT_HEADER:
			cfg->header_timeout_s = parse_num("header-timeout", optarg, 0, 86400);
			break;
		case OPT_DELAY:
			cfg->delay_us = parse_num("delay-us", optarg, 0, 60000000);
			break;
		case OPT_WORK:
			cfg->work_ns = 1000 * parse_num("work-us", optarg, 0, 60000000);
			break;
		case OPT_WORK_NS:
			cfg->work_ns = parse_num("work-ns", optarg, 0, 60000000000L);
			break;
		case OPT_DELAY_BLOCKING:
			cfg->delay_blocking = true;
			break;
		case OPT_START:
			cfg->start_workers = parse_num("start-workers", optarg, 0, 4096);
			break;
		case OPT_MIN_SPARE:
			cfg->min_spare = parse_num("min-spare", optarg, 0, 4096);
			break;
		case OPT_MAX_SPARE:
			cfg->max_spare = parse_num("max-spare", optarg, 0, 4096);
			break;
		case OPT_PUBLISH_HZ:
			cfg->publish_hz = parse_num("publish-hz", optarg, 0, 1000000);
			publish_given = true;
			break;
		case OPT_POLL_TIMEOUT:
			cfg->poll_timeout_ms = parse_num("poll-timeout-ms", optarg, 1, 3600000);
			break;
		case OPT_HELP:
			usage(stdout, m);
			exit(0);
		default:
			usage(stderr, m);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	check_push(cfg, publish_given);
	if (cfg->workers == 0)
		cfg->workers = m->default_workers == MODEL_WORKERS_PER_CORE
				   ? (int)sysconf(_SC_NPROCESSORS_ONLN)
				   : m->default_workers;
	if (cfg->start_workers == 0)
		cfg->start_workers = m->adaptive.start_workers;
	if (cfg->min_spare == 0)
		cfg->min_spare = m->adaptive.min_spare;
	if (cfg->max_spare == 0)
		cfg->max_spare = m->adaptive.max_spare;
}
