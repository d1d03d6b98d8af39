/*
 * options.c - the command line, in wrk's style.
 *
 * A bad option is a usage error: say which and why, print the usage, and
 * exit 2, so that a script that mistyped a flag never records a number.
 */
#include "loadgen.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: loadgen [options] http://HOST:PORT/path\n"
    "       loadgen --proto echo|lines [options] HOST:PORT\n"
    "       loadgen --subscribe poll|sse|ws N [options] http://HOST:PORT[/path]\n"
    "\n"
    "  -t, --threads N      threads, each with its own event loop (1)\n"
    "  -c, --connections N  connections, shared out over threads (10)\n"
    "  -d, --duration T     measured run time: 10s, 500ms, 2m (10s)\n"
    "  -n, --requests N     send N requests in total, then stop\n"
    "      --warmup T       run first for T without recording (0)\n"
    "      --timeout T      per request and per connect (2s)\n"
    "      --proto P        http, echo or lines (http); lines sends the seed\n"
    "                       article's \"Hello World!:n\" lines, n = 1, 2, ...\n"
    "                       per connection, and checks each answer\n"
    "      --size N         echo message size in bytes (64)\n"
    "      --pipeline N     requests in flight per connection (1)\n"
    "      --think-ms N     pause after each response (0)\n"
    "      --no-keepalive   one connection per request\n"
    "      --linger0        close with RST (no TIME_WAIT); --no-keepalive\n"
    "  -R, --rate N         open loop: N requests/s in total (closed loop)\n"
    "      --idle N         hold N extra silent connections open\n"
    "      --engine E       epoll or io_uring: how each thread does its socket\n"
    "                       I/O (epoll); the same requests and checks\n"
    "      --batch-us N     io_uring, closed loop: wait up to N us for a batch\n"
    "                       of completions (100; 0 = none; the open loop: 0)\n"
    "      --subscribe S N  hold N push subscribers (poll, sse or ws) and\n"
    "                       measure event delivery latency instead of requests\n"
    "  -H, --header H       add \"Name: value\" to HTTP requests\n"
    "      --expect-status N  HTTP status that counts as success (200)\n"
    "      --latency        print the percentile table\n"
    "      --json FILE      write every figure as JSON\n"
    "      --hgrm FILE      write HdrHistogram percentile distribution\n"
    "      --agent          (alone) be an agent of bench run --clients: commands\n"
    "                       on stdin, answers on stdout (lib/agentproto.h)\n"
    "  -h, --help           this text\n"
    "Times take a unit suffix (us, ms, s, m, h); a bare number is seconds.\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	exit(2);
}

/* A whole number in [min, max]. */
static long long parse_int(const char *name, const char *s, long long min, long long max)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end || v < min || v > max)
		usage_error("%s: '%s' is not a number from %lld to %lld", name, s, min, max);
	return v;
}

/* A time like 10s, 250ms, 1.5m, 100us; a bare number is in unit_us. */
static uint64_t parse_time(const char *name, const char *s, double unit_us)
{
	static const struct {
		const char *suffix;
		double us;
	} units[] = {
	    {"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}, {"", 0},
	};
	char *end;
	double v = strtod(s, &end);

	for (int i = 0; units[i].us; i++)
		if (strcmp(end, units[i].suffix) == 0) {
			unit_us = units[i].us;
			end += strlen(end);
		}
	if (end == s || *end || !(v >= 0) || v * unit_us > 86400e6)
		usage_error("%s: '%s' is not a time (e.g. 10s, 500ms)", name, s);
	return (uint64_t)llround(v * unit_us);
}

enum {
	LG_OPT_WARMUP = 256,
	LG_OPT_TIMEOUT,
	LG_OPT_PROTO,
	LG_OPT_SIZE,
	LG_OPT_PIPELINE,
	LG_OPT_THINK,
	LG_OPT_NOKEEPALIVE,
	LG_OPT_LINGER0,
	LG_OPT_IDLE,
	LG_OPT_STATUS,
	LG_OPT_LATENCY,
	LG_OPT_JSON,
	LG_OPT_HGRM,
	LG_OPT_SUBSCRIBE,
	LG_OPT_ENGINE,
	LG_OPT_BATCH,
};

static const struct option long_options[] = {
    {"threads", required_argument, NULL, 't'},
    {"connections", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, 'd'},
    {"requests", required_argument, NULL, 'n'},
    {"rate", required_argument, NULL, 'R'},
    {"header", required_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {"warmup", required_argument, NULL, LG_OPT_WARMUP},
    {"timeout", required_argument, NULL, LG_OPT_TIMEOUT},
    {"proto", required_argument, NULL, LG_OPT_PROTO},
    {"size", required_argument, NULL, LG_OPT_SIZE},
    {"pipeline", required_argument, NULL, LG_OPT_PIPELINE},
    {"think-ms", required_argument, NULL, LG_OPT_THINK},
    {"no-keepalive", no_argument, NULL, LG_OPT_NOKEEPALIVE},
    {"linger0", no_argument, NULL, LG_OPT_LINGER0},
    {"idle", required_argument, NULL, LG_OPT_IDLE},
    {"expect-status", required_argument, NULL, LG_OPT_STATUS},
    {"latency", no_argument, NULL, LG_OPT_LATENCY},
    {"json", required_argument, NULL, LG_OPT_JSON},
    {"hgrm", required_argument, NULL, LG_OPT_HGRM},
    {"subscribe", required_argument, NULL, LG_OPT_SUBSCRIBE},
    {"engine", required_argument, NULL, LG_OPT_ENGINE},
    {"batch-us", required_argument, NULL, LG_OPT_BATCH},
    {NULL, 0, NULL, 0},
};

static void set_option(struct lg_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case 't':
		cfg->threads = (int)parse_int("-t", arg, 1, 1024);
		break;
	case 'c':
		cfg->connections = (int)parse_int("-c", arg, 1, 1000000);
		break;
	case 'd':
		cfg->duration_us = parse_time("-d", arg, 1e6);
		break;
	case 'n':
		cfg->requests = (uint64_t)parse_int("-n", arg, 1, LLONG_MAX);
		break;
	case 'R':
		cfg->rate = (double)parse_int("-R", arg, 1, 100000000);
		break;
	case 'H':
		if (cfg->nheaders == LG_MAX_HEADERS || !strchr(arg, ':') || strpbrk(arg, "\r\n"))
			usage_error("-H: '%s' is not 'Name: value' (at most %d)", arg,
				    LG_MAX_HEADERS);
		cfg->headers[cfg->nheaders++] = arg;
		break;
	case LG_OPT_WARMUP:
		cfg->warmup_us = parse_time("--warmup", arg, 1e6);
		break;
	case LG_OPT_TIMEOUT:
		cfg->timeout_us = parse_time("--timeout", arg, 1e6);
		break;
	case LG_OPT_PROTO:
		if (strcmp(arg, "http") && strcmp(arg, "echo") && strcmp(arg, "lines"))
			usage_error("--proto: '%s' is not http, echo or lines", arg);
		cfg->proto = arg[0] == 'h' ? LG_HTTP : arg[0] == 'e' ? LG_ECHO : LG_LINES;
		break;
	case LG_OPT_SIZE:
		cfg->size = (size_t)parse_int("--size", arg, 1, 1 << 24);
		break;
	case LG_OPT_PIPELINE:
		cfg->pipeline = (int)parse_int("--pipeline", arg, 1, LG_MAX_PIPELINE);
		break;
	case LG_OPT_THINK:
		cfg->think_us = 1000 * (uint64_t)parse_int("--think-ms", arg, 0, 3600000);
		break;
	case LG_OPT_NOKEEPALIVE:
		cfg->keepalive = false;
		break;
	case LG_OPT_LINGER0:
		cfg->linger0 = true;
		break;
	case LG_OPT_IDLE:
		cfg->idle = (int)parse_int("--idle", arg, 0, 1000000);
		break;
	case LG_OPT_STATUS:
		cfg->expect_status = (int)parse_int("--expect-status", arg, 100, 599);
		break;
	case LG_OPT_LATENCY:
		cfg->latency = true;
		break;
	case LG_OPT_JSON:
		cfg->json_path = arg;
		break;
	case LG_OPT_HGRM:
		cfg->hgrm_path = arg;
		break;
	case LG_OPT_SUBSCRIBE:
		if (!strcmp(arg, "poll"))
			cfg->subscribe = LG_SUB_POLL;
		else if (!strcmp(arg, "sse"))
			cfg->subscribe = LG_SUB_SSE;
		else if (!strcmp(arg, "ws"))
			cfg->subscribe = LG_SUB_WS;
		else
			usage_error("--subscribe: '%s' is not poll, sse or ws", arg);
		break;
	case LG_OPT_ENGINE:
		if (!strcmp(arg, "epoll"))
			cfg->engine = LG_ENGINE_EPOLL;
		else if (!strcmp(arg, "io_uring"))
			cfg->engine = LG_ENGINE_URING;
		else
			usage_error("--engine: '%s' is not epoll or io_uring", arg);
		break;
	case LG_OPT_BATCH:
		cfg->batch_us = (int)parse_int("--batch-us", arg, 0, 10000);
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	default:
		usage_error("unhandled option %d", opt);
	}
}

/* Splits "HOST:PORT" (or "[v6]:PORT") at s into cfg->host and cfg->port;
 * returns the rest of the string. */
static const char *split_host_port(struct lg_config *cfg, const char *s, const char *default_port)
{
	const char *host = s, *end, *colon;

	if (*s == '[') {
		host = s + 1;
		end = strchr(host, ']');
		if (!end)
			usage_error("target: unclosed '[' in '%s'", cfg->url);
		colon = end + 1;
	} else {
		end = s + strcspn(s, ":/");
		colon = end;
	}
	if (end == host)
		usage_error("target: no host in '%s'", cfg->url);
	cfg->host = strndup(host, (size_t)(end - host));
	if (*colon == ':') {
		size_t n = strcspn(colon + 1, "/");

		cfg->port = strndup(colon + 1, n);
		parse_int("port", cfg->port, 1, 65535);
		return colon + 1 + n;
	}
	if (!default_port)
		usage_error("target: '%s' has no :PORT", cfg->url);
	cfg->port = strdup(default_port);
	return colon;
}

static void parse_target(struct lg_config *cfg, const char *url)
{
	const char *rest;

	cfg->url = url;
	if (cfg->proto != LG_HTTP) {
		if (*split_host_port(cfg, url, NULL))
			usage_error("target: %s wants HOST:PORT, not '%s'",
				    lg_proto_name(cfg->proto), url);
		return;
	}
	if (strncmp(url, "http://", 7) != 0)
		usage_error("target: '%s' is not an http:// URL", url);
	rest = split_host_port(cfg, url + 7, "80");
	cfg->path = *rest ? rest : "/";
	if (strpbrk(cfg->path, " \r\n"))
		usage_error("target: path '%s' has spaces or line breaks", cfg->path);
}

/* --subscribe holds connections and reads what the server pushes: the
 * request-shaping options have nothing to shape. */
static void check_subscribe(const struct lg_config *cfg)
{
	if (cfg->proto != LG_HTTP)
		usage_error("--subscribe is HTTP (poll, sse) or WebSocket (ws), not --proto echo");
	if (cfg->requests)
		usage_error("--subscribe runs for -d, not -n");
	if (cfg->rate || cfg->pipeline > 1 || cfg->think_us || !cfg->keepalive || cfg->idle)
		usage_error(
		    "--subscribe excludes -R, --pipeline, --think-ms, --no-keepalive, --idle");
	/* The subscribers have their own epoll loop (subscriber.c); running
	 * it when io_uring was asked for would measure the wrong engine. */
	if (cfg->engine != LG_ENGINE_EPOLL)
		usage_error("--subscribe runs on the epoll engine only, not --engine %s",
			    lg_engine_name(cfg->engine));
}

/* Rejects combinations that cannot be measured as asked. */
static void check_combination(const struct lg_config *cfg)
{
	if (cfg->requests && cfg->duration_us)
		usage_error("-n and -d exclude each other");
	if (!cfg->requests && !cfg->duration_us)
		usage_error("-d must be more than 0");
	if (cfg->threads > cfg->connections)
		usage_error("-t %d is more than -c %d: every thread needs a connection",
			    cfg->threads, cfg->connections);
	if (!cfg->keepalive && cfg->pipeline > 1)
		usage_error("--pipeline needs keep-alive connections");
	if (cfg->linger0 && cfg->keepalive)
		usage_error("--linger0 is for --no-keepalive runs");
	if (cfg->timeout_us < 1000)
		usage_error("--timeout must be at least 1ms");
	if (cfg->rate && cfg->think_us)
		usage_error("-R (open loop) and --think-ms (closed loop) exclude each other");
	if (cfg->requests && cfg->requests < (uint64_t)cfg->connections)
		usage_error("-n %llu is less than one request per connection (-c %d)",
			    (unsigned long long)cfg->requests, cfg->connections);
	if (cfg->proto == LG_ECHO && cfg->size * (size_t)cfg->pipeline > (64u << 20))
		usage_error("--size x --pipeline is over 64 MiB in flight per connection");
	if (cfg->nheaders && cfg->proto != LG_HTTP)
		usage_error("-H is for --proto http");
	if (cfg->subscribe)
		check_subscribe(cfg);
	if (cfg->batch_us >= 0 && cfg->engine != LG_ENGINE_URING)
		usage_error("--batch-us is for --engine io_uring");
	if (cfg->batch_us > 0 && cfg->rate)
		usage_error("--batch-us: the open loop (-R) handles every completion at once, "
			    "to time each request to the microsecond");
}

/* io_uring's batching, unless --batch-us said: in the closed loop, 100 us
 * (a response may wait that long in the kernel before it is handled and
 * timed; it saves about a quarter of the client CPU per request here, see
 * clients/README.md), and none in the open loop. */
static void default_batch(struct lg_config *cfg)
{
	if (cfg->batch_us < 0)
		cfg->batch_us = cfg->engine == LG_ENGINE_URING && !cfg->rate ? 100 : 0;
}

void options_parse(struct lg_config *cfg, int argc, char **argv)
{
	bool duration_given = false;
	int opt;

	*cfg = (struct lg_config){
	    .threads = 1,
	    .connections = 10,
	    .duration_us = 10000000,
	    .timeout_us = 2000000,
	    .proto = LG_HTTP,
	    .size = 64,
	    .pipeline = 1,
	    .keepalive = true,
	    .expect_status = 200,
	    .batch_us = -1,
	};
	opterr = 0; /* our own message, in our own format */
	while ((opt = getopt_long(argc, argv, "t:c:d:n:R:H:h", long_options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			usage_error("unknown option, or no value for it: '%s'", argv[optind - 1]);
		duration_given |= opt == 'd';
		set_option(cfg, opt, optarg);
		/* --subscribe STYLE N: N is the next word, like -c N. */
		if (opt == LG_OPT_SUBSCRIBE && optind < argc && argv[optind][0] >= '0' &&
		    argv[optind][0] <= '9')
			cfg->connections =
			    (int)parse_int("--subscribe N", argv[optind++], 1, 1000000);
	}
	if (cfg->requests && !duration_given)
		cfg->duration_us = 0;
	if (optind != argc - 1)
		usage_error(optind < argc ? "one target only" : "no target given");
	parse_target(cfg, argv[optind]);
	check_combination(cfg);
	default_batch(cfg);
}

void options_free(struct lg_config *cfg)
{
	free((char *)cfg->host);
	free((char *)cfg->port);
}
