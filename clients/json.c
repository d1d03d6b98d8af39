/*
 * json.c - --json FILE: every figure of the run, for the harness.
 *
 * The key names are a contract with the harness (see clients/README.md):
 * add keys, never rename one.  Latencies are integer microseconds; a
 * latency block is null when it has no sample.  The histogram lists each
 * non-empty bucket as [lowest value of the bucket, count]: recording each
 * pair with hist_record_n() rebuilds the histogram exactly, so runs merge
 * across processes and every percentile can be derived again.
 *
 * The document is built as a jansson tree (json_pack for the fixed
 * blocks, loops for the arrays) and dumped once, so quoting, escaping and
 * number formatting are jansson's, not ours.  Objects keep their keys in
 * insertion order, which is the order the README lists them in.  The
 * json_pack() calls keep one key and its value per line, out of
 * clang-format's reach, so the document reads like its README table.
 */
#include "loadgen.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Compact, as before; 15 significant digits print 0.5 as 0.5, not as the
 * 17-digit 0.50000000000000000 jansson writes by default. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Counters are uint64_t, JSON integers in jansson are long long. */
static json_int_t count(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

/* A real number, or null when it is not finite: JSON has no NaN. */
static json_t *real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A string from the command line, or null for NULL.  jansson takes only
 * valid UTF-8; a header or URL that is not gets its non-ASCII bytes
 * written as '?' rather than making the whole document fail. */
static json_t *text(const char *s)
{
	json_t *v;
	char *ascii;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	ascii = strdup(s);
	if (!ascii)
		return NULL;
	for (char *p = ascii; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(ascii);
	free(ascii);
	return v;
}

/* "host:port", with brackets around an IPv6 address. */
static json_t *target_text(const struct lg_config *c)
{
	char target[300];
	bool v6 = strchr(c->host, ':') != NULL;

	snprintf(target, sizeof(target), "%s%s%s:%s", v6 ? "[" : "", c->host, v6 ? "]" : "",
		 c->port);
	return text(target);
}

static json_t *headers_json(const struct lg_config *c)
{
	json_t *a = json_array();

	for (int i = 0; i < c->nheaders; i++)
		if (json_array_append_new(a, text(c->headers[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *subscribe_name(enum lg_subscribe sub)
{
	static const char *const names[] = {NULL, "poll", "sse", "ws"};

	return names[sub];
}

/* Every option as given; null for what does not apply. */
static json_t *config_json(const struct lg_config *c)
{
	bool http = c->proto == LG_HTTP;

	/* clang-format off */
	return json_pack("{s:I, s:I, s:o, s:o, s:f, s:f, s:s, s:o, s:I, s:f,"
			 " s:b, s:b, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:I}",
			 "threads", (json_int_t)c->threads,
			 "connections", (json_int_t)c->connections,
			 "duration_s", c->duration_us ? real(c->duration_us / 1e6) : json_null(),
			 "requests", c->requests ? json_integer(count(c->requests)) : json_null(),
			 "warmup_s", c->warmup_us / 1e6,
			 "timeout_ms", c->timeout_us / 1e3,
			 "proto", lg_proto_name(c->proto),
			 "size", c->proto == LG_ECHO ? json_integer(count(c->size)) : json_null(),
			 "pipeline", (json_int_t)c->pipeline,
			 "think_ms", c->think_us / 1e3,
			 "keepalive", (int)c->keepalive,
			 "linger0", (int)c->linger0,
			 "rate", c->rate ? real(c->rate) : json_null(),
			 "idle", (json_int_t)c->idle,
			 "expect_status", (json_int_t)c->expect_status,
			 "headers", headers_json(c),
			 "url", text(c->url),
			 "target", target_text(c),
			 "path", http ? text(c->path) : json_null(),
			 "subscribe", c->subscribe ? json_string(subscribe_name(c->subscribe)) : json_null(),
			 "engine", lg_engine_name(c->engine),
			 "batch_us", (json_int_t)c->batch_us);
	/* clang-format on */
}

/* min, mean, stdev, p50 ... p9999, max, count; null without samples. */
static json_t *latency_json(const struct hist *h)
{
	if (!h || h->total == 0)
		return json_null();
	/* clang-format off */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "min", count(h->min),
			 "mean", (json_int_t)llround(hist_mean(h)),
			 "stdev", (json_int_t)llround(hist_stdev(h)),
			 "p50", count(hist_percentile(h, 50)),
			 "p75", count(hist_percentile(h, 75)),
			 "p90", count(hist_percentile(h, 90)),
			 "p99", count(hist_percentile(h, 99)),
			 "p999", count(hist_percentile(h, 99.9)),
			 "p9999", count(hist_percentile(h, 99.99)),
			 "max", count(h->max),
			 "count", count(h->total));
	/* clang-format on */
}

/* {"ECONNREFUSED": n, ...}; index 0 collects errors without an errno. */
static json_t *connect_errno_json(const struct lg_result *r)
{
	json_t *o = json_object();
	char unknown[32];

	for (int i = 0; i < LG_MAX_ERRNO; i++) {
		const char *name = i ? strerrorname_np(i) : "other";

		if (!r->connect_errno[i])
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "errno %d", i);
			name = unknown;
		}
		if (json_object_set_new(o, name, json_integer(count(r->connect_errno[i]))) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *errors_json(const struct lg_result *r)
{
	uint64_t total = 0;

	for (int i = 0; i < LG_ERR_COUNT; i++)
		total += r->errors[i];
	/* clang-format off */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "connect", count(r->errors[LG_ERR_CONNECT]),
			 "read", count(r->errors[LG_ERR_READ]),
			 "write", count(r->errors[LG_ERR_WRITE]),
			 "timeout", count(r->errors[LG_ERR_TIMEOUT]),
			 "bad_response", count(r->errors[LG_ERR_BAD_RESPONSE]),
			 "closed", count(r->errors[LG_ERR_CLOSED]),
			 "total", count(total),
			 "connect_errno", connect_errno_json(r));
	/* clang-format on */
}

/* Verified responses in each second of the measured phase. */
static json_t *timeline_json(const struct lg_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->timeline_len; i++)
		if (json_array_append_new(a, json_integer(count(r->timeline[i]))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* [[lowest value of the bucket, count], ...] for the non-empty buckets. */
static json_t *buckets_json(const struct hist *h)
{
	json_t *a = json_array();
	uint64_t value, n;
	int cursor = 0;

	while (hist_next_bucket(h, &cursor, &value, &n))
		if (json_array_append_new(a, json_pack("[I, I]", count(value), count(n))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *histogram_json(const struct hist *h)
{
	/* clang-format off */
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:o}",
			 "unit", "us",
			 "sig_digits", (json_int_t)HIST_SIG_DIGITS,
			 "lowest", (json_int_t)HIST_LOWEST,
			 "highest", (json_int_t)HIST_HIGHEST,
			 "total", count(h->total),
			 "clamped", count(h->clamped),
			 "value", "lowest value of the bucket",
			 "counts", buckets_json(h));
	/* clang-format on */
}

/* --subscribe runs: the events and their delivery latency; null
 * otherwise.  events_per_s is per second of the measured phase, over all
 * subscribers. */
static json_t *push_json(const struct lg_config *cfg, const struct lg_summary *s)
{
	const struct lg_push *p = &s->push;

	if (!cfg->subscribe)
		return json_null();
	/* clang-format off */
	return json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
			 "style", subscribe_name(cfg->subscribe),
			 "subscribers", (json_int_t)cfg->connections,
			 "events", count(p->events),
			 "events_per_s", real(s->duration_s > 0 ? (double)p->events / s->duration_s : 0),
			 "missed", count(p->missed),
			 "duplicates", count(p->duplicates),
			 "reconnects", count(p->reconnects),
			 "subscribed", count(p->subscribed),
			 "held_end", count(p->held_end),
			 "delivery_us", latency_json(p->delivery),
			 "histogram", histogram_json(p->delivery));
	/* clang-format on */
}

/* The whole document; NULL if jansson ran out of memory. */
static json_t *document(const struct lg_config *cfg, const struct lg_summary *s)
{
	const struct lg_result *r = &s->total;
	double rps = s->duration_s > 0 ? (double)r->completed / s->duration_s : 0;

	/* clang-format off */
	return json_pack("{s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:I, s:I, s:o,"
			 " s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:I, s:I, s:I, s:o, s:o, s:o}",
			 "config", config_json(cfg),
			 "requests",
			 "completed", count(r->responses),
			 "verified", count(r->completed),
			 "warmup", count(r->warmup),
			 "duration_s", real(s->duration_s),
			 "requests_per_s", real(rps),
			 "bytes_read", count(r->bytes_read),
			 "bytes_written", count(r->bytes_written),
			 "errors", errors_json(r),
			 "status",
			 "1xx", count(r->status[1]),
			 "2xx", count(r->status[2]),
			 "3xx", count(r->status[3]),
			 "4xx", count(r->status[4]),
			 "5xx", count(r->status[5]),
			 "latency_us", latency_json(r->latency),
			 "latency_uncorrected_us", latency_json(r->uncorrected),
			 "connect_us", latency_json(r->connect),
			 "ttfb_us", latency_json(r->ttfb),
			 "timeline", timeline_json(r),
			 "client_cpu_s", real(s->cpu_s),
			 "connections_established", count(r->connections),
			 "idle_established", (json_int_t)s->idle_established,
			 "idle_alive_end", (json_int_t)s->idle_alive,
			 "rate_achieved",
			 cfg->rate ? json_boolean(report_rate_achieved(cfg, s)) : json_null(),
			 "histogram", histogram_json(r->latency),
			 "push", push_json(cfg, s));
	/* clang-format on */
}

static int dump(FILE *f, void *root)
{
	errno = 0;
	if (json_dumpf(root, f, JSON_FLAGS) < 0 || fputc('\n', f) == EOF) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

json_t *json_document(const struct lg_config *cfg, const struct lg_summary *s)
{
	return document(cfg, s);
}

int json_write(const char *path, const struct lg_config *cfg, const struct lg_summary *s)
{
	json_t *root = document(cfg, s);
	int rc;

	if (!root) {
		errno = ENOMEM;
		return -1;
	}
	rc = lg_write_atomic(path, dump, root);
	json_decref(root);
	return rc;
}
