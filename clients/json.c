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
 * The output is small and write-only, so a dozen lines of printing stand
 * in for a JSON library here.
 */
#include "loadgen.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* A tiny writer: it only has to know whether a comma is due. */
struct out {
	FILE *f;
	bool comma;
};

static void key(struct out *o, const char *k)
{
	if (o->comma)
		fputc(',', o->f);
	if (k)
		fprintf(o->f, "\"%s\":", k);
	o->comma = true;
}

static void open_obj(struct out *o, const char *k, char brace)
{
	key(o, k);
	fputc(brace, o->f);
	o->comma = false;
}

static void close_obj(struct out *o, char brace)
{
	fputc(brace, o->f);
	o->comma = true;
}

static void put_u64(struct out *o, const char *k, uint64_t v)
{
	key(o, k);
	fprintf(o->f, "%llu", (unsigned long long)v);
}

static void put_num(struct out *o, const char *k, double v)
{
	key(o, k);
	fprintf(o->f, isfinite(v) ? "%.6f" : "null", v);
}

static void put_bool(struct out *o, const char *k, bool v)
{
	key(o, k);
	fputs(v ? "true" : "false", o->f);
}

static void put_null(struct out *o, const char *k)
{
	key(o, k);
	fputs("null", o->f);
}

static void put_str(struct out *o, const char *k, const char *s)
{
	key(o, k);
	if (!s) {
		fputs("null", o->f);
		return;
	}
	fputc('"', o->f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(o->f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(o->f, "\\u%04x", ch);
		else
			fputc(ch, o->f);
	}
	fputc('"', o->f);
}

static void put_config(struct out *o, const struct lg_config *c)
{
	char target[300];

	snprintf(target, sizeof(target), "%s%s%s:%s", strchr(c->host, ':') ? "[" : "",
		 c->host, strchr(c->host, ':') ? "]" : "", c->port);
	open_obj(o, "config", '{');
	put_u64(o, "threads", (uint64_t)c->threads);
	put_u64(o, "connections", (uint64_t)c->connections);
	if (c->duration_us)
		put_num(o, "duration_s", c->duration_us / 1e6);
	else
		put_null(o, "duration_s");
	if (c->requests)
		put_u64(o, "requests", c->requests);
	else
		put_null(o, "requests");
	put_num(o, "warmup_s", c->warmup_us / 1e6);
	put_num(o, "timeout_ms", c->timeout_us / 1e3);
	put_str(o, "proto", c->proto == LG_HTTP ? "http" : "echo");
	if (c->proto == LG_ECHO)
		put_u64(o, "size", c->size);
	else
		put_null(o, "size");
	put_u64(o, "pipeline", (uint64_t)c->pipeline);
	put_num(o, "think_ms", c->think_us / 1e3);
	put_bool(o, "keepalive", c->keepalive);
	put_bool(o, "linger0", c->linger0);
	if (c->rate)
		put_num(o, "rate", c->rate);
	else
		put_null(o, "rate");
	put_u64(o, "idle", (uint64_t)c->idle);
	put_u64(o, "expect_status", (uint64_t)c->expect_status);
	open_obj(o, "headers", '[');
	for (int i = 0; i < c->nheaders; i++)
		put_str(o, NULL, c->headers[i]);
	close_obj(o, ']');
	put_str(o, "url", c->url);
	put_str(o, "target", target);
	put_str(o, "path", c->proto == LG_HTTP ? c->path : NULL);
	close_obj(o, '}');
}

/* min, mean, stdev, p50 ... p9999, max; null without samples. */
static void put_latency(struct out *o, const char *k, const struct hist *h)
{
	static const struct { const char *name; double p; } ps[] = {
		{ "p50", 50 }, { "p75", 75 }, { "p90", 90 }, { "p99", 99 },
		{ "p999", 99.9 }, { "p9999", 99.99 },
	};

	if (!h || h->total == 0) {
		put_null(o, k);
		return;
	}
	open_obj(o, k, '{');
	put_u64(o, "min", h->min);
	put_u64(o, "mean", (uint64_t)llround(hist_mean(h)));
	put_u64(o, "stdev", (uint64_t)llround(hist_stdev(h)));
	for (int i = 0; i < 6; i++)
		put_u64(o, ps[i].name, hist_percentile(h, ps[i].p));
	put_u64(o, "max", h->max);
	put_u64(o, "count", h->total);
	close_obj(o, '}');
}

static void put_errors(struct out *o, const struct lg_result *r)
{
	static const char *names[LG_ERR_COUNT] = {
		"connect", "read", "write", "timeout", "bad_response", "closed",
	};
	uint64_t total = 0;

	open_obj(o, "errors", '{');
	for (int i = 0; i < LG_ERR_COUNT; i++) {
		put_u64(o, names[i], r->errors[i]);
		total += r->errors[i];
	}
	put_u64(o, "total", total);
	open_obj(o, "connect_errno", '{');
	for (int i = 0; i < LG_MAX_ERRNO; i++)
		if (r->connect_errno[i])
			put_u64(o, i ? strerrorname_np(i) : "other", r->connect_errno[i]);
	close_obj(o, '}');
	close_obj(o, '}');
}

static void put_counts(struct out *o, const struct lg_result *r,
		       const struct lg_summary *s)
{
	open_obj(o, "requests", '{');
	put_u64(o, "completed", r->responses);
	put_u64(o, "verified", r->completed);
	put_u64(o, "warmup", r->warmup);
	close_obj(o, '}');
	put_num(o, "duration_s", s->duration_s);
	put_num(o, "requests_per_s",
		s->duration_s > 0 ? (double)r->completed / s->duration_s : 0);
	put_u64(o, "bytes_read", r->bytes_read);
	put_u64(o, "bytes_written", r->bytes_written);
	put_errors(o, r);
	open_obj(o, "status", '{');
	put_u64(o, "1xx", r->status[1]);
	put_u64(o, "2xx", r->status[2]);
	put_u64(o, "3xx", r->status[3]);
	put_u64(o, "4xx", r->status[4]);
	put_u64(o, "5xx", r->status[5]);
	close_obj(o, '}');
}

static void put_histogram(struct out *o, const struct hist *h)
{
	uint64_t value, count;
	int cursor = 0;

	open_obj(o, "histogram", '{');
	put_str(o, "unit", "us");
	put_u64(o, "sig_digits", HIST_SIG_DIGITS);
	put_u64(o, "lowest", HIST_LOWEST);
	put_u64(o, "highest", HIST_HIGHEST);
	put_u64(o, "total", h->total);
	put_u64(o, "clamped", h->clamped);
	put_str(o, "value", "lowest value of the bucket");
	open_obj(o, "counts", '[');
	while (hist_next_bucket(h, &cursor, &value, &count)) {
		key(o, NULL);
		fprintf(o->f, "[%llu,%llu]", (unsigned long long)value,
			(unsigned long long)count);
	}
	close_obj(o, ']');
	close_obj(o, '}');
}

struct json_args {
	const struct lg_config *cfg;
	const struct lg_summary *s;
};

static int write_json(FILE *f, void *arg)
{
	const struct json_args *a = arg;
	const struct lg_result *r = &a->s->total;
	struct out o = { f, false };

	open_obj(&o, NULL, '{');
	put_config(&o, a->cfg);
	put_counts(&o, r, a->s);
	put_latency(&o, "latency_us", r->latency);
	put_latency(&o, "latency_uncorrected_us", r->uncorrected);
	put_latency(&o, "connect_us", r->connect);
	put_latency(&o, "ttfb_us", r->ttfb);
	open_obj(&o, "timeline", '[');
	for (size_t i = 0; i < r->timeline_len; i++)
		put_u64(&o, NULL, r->timeline[i]);
	close_obj(&o, ']');
	put_num(&o, "client_cpu_s", a->s->cpu_s);
	put_u64(&o, "connections_established", r->connections);
	put_u64(&o, "idle_established", (uint64_t)a->s->idle_established);
	put_u64(&o, "idle_alive_end", (uint64_t)a->s->idle_alive);
	if (a->cfg->rate)
		put_bool(&o, "rate_achieved", report_rate_achieved(a->cfg, a->s));
	else
		put_null(&o, "rate_achieved");
	put_histogram(&o, r->latency);
	close_obj(&o, '}');
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}

int json_write(const char *path, const struct lg_config *cfg,
	       const struct lg_summary *s)
{
	struct json_args a = { cfg, s };

	return lg_write_atomic(path, write_json, &a);
}
