/*
 * agentmerge.c - adding up the results of several agents into one loadgen
 * --json document (see agentmerge.h).
 *
 * Counts add (requests, errors, status classes, bytes, connections, CPU
 * seconds, the per-second timeline).  The measured phase is the longest of
 * the agents' (they start together; the longest is the honest divisor),
 * so requests_per_s is all verified responses over it.  Latencies are never
 * averaged: every histogram is rebuilt from its run-length encoding and the
 * counters added (hist_rle_add), then the percentiles are read from the
 * sum, as HdrHistogram and wrk2 do.  The histogram lists buckets exactly
 * as loadgen's own --json does, so readers of runs see no difference.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "run/agentmerge.h"

static const char *const hist_names[AGENTMERGE_HISTS] = {"latency", "uncorrected", "connect",
							 "ttfb"};
/* The document's latency block of each histogram above. */
static const char *const block_names[AGENTMERGE_HISTS] = {"latency_us", "latency_uncorrected_us",
							  "connect_us", "ttfb_us"};

/* Adds one encoded histogram ({"min","max","clamped","total","rle"}) to h.
 * Returns 0, or -1 if it is malformed.  null (no such histogram) adds
 * nothing. */
static int add_encoded(struct hist *h, const json_t *enc)
{
	static int64_t rle[HIST_COUNTERS];
	json_t *a = json_object_get(enc, "rle"), *v;
	uint64_t before = h->total;
	size_t i;

	if (json_is_null(enc) || !enc)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > HIST_COUNTERS)
		return -1;
	json_array_foreach(a, i, v) rle[i] = json_integer_value(v);
	if (hist_rle_add(h, rle, json_array_size(a),
			 (uint64_t)json_integer_value(json_object_get(enc, "min")),
			 (uint64_t)json_integer_value(json_object_get(enc, "max")),
			 (uint64_t)json_integer_value(json_object_get(enc, "clamped"))) < 0)
		return -1;
	/* The total travels beside the counters: a mismatch is a bad copy. */
	return h->total - before == (uint64_t)json_integer_value(json_object_get(enc, "total"))
		   ? 0
		   : -1;
}

static void add_numbers(json_t *dst, const json_t *src);

/* Adds src's value at key to dst's: numbers add (integers stay integers),
 * objects add key by key; a value only src has is copied. */
static void add_key(json_t *dst, const json_t *src, const char *key)
{
	json_t *s = json_object_get(src, key), *d = json_object_get(dst, key);

	if (!s || json_is_null(s))
		return;
	if (!d || json_is_null(d))
		json_object_set_new(dst, key, json_deep_copy(s));
	else if (json_is_object(d) && json_is_object(s))
		add_numbers(d, s);
	else if (json_is_integer(d) && json_is_integer(s))
		json_integer_set(d, json_integer_value(d) + json_integer_value(s));
	else if (json_is_number(d) && json_is_number(s))
		json_object_set_new(dst, key,
				    json_real(json_number_value(d) + json_number_value(s)));
}

/* Every key of src added into dst (requests, errors with connect_errno,
 * status). */
static void add_numbers(json_t *dst, const json_t *src)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)src, key, v) add_key(dst, src, key);
}

/* Element-wise sum of two timelines (completions per second). */
static void add_timeline(json_t *dst, const json_t *src)
{
	json_t *v;
	size_t i;

	json_array_foreach((json_t *)src, i, v)
	{
		if (i < json_array_size(dst))
			json_array_set_new(dst, i,
					   json_integer(json_integer_value(json_array_get(dst, i)) +
							json_integer_value(v)));
		else
			json_array_append(dst, v);
	}
}

/* The latency block loadgen writes (json.c latency_json), from h. */
static json_t *latency_block(const struct hist *h)
{
	if (h->total == 0)
		return json_null();
	/* clang-format off */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "min", (json_int_t)h->min,
			 "mean", (json_int_t)llround(hist_mean(h)),
			 "stdev", (json_int_t)llround(hist_stdev(h)),
			 "p50", (json_int_t)hist_percentile(h, 50),
			 "p75", (json_int_t)hist_percentile(h, 75),
			 "p90", (json_int_t)hist_percentile(h, 90),
			 "p99", (json_int_t)hist_percentile(h, 99),
			 "p999", (json_int_t)hist_percentile(h, 99.9),
			 "p9999", (json_int_t)hist_percentile(h, 99.99),
			 "max", (json_int_t)h->max,
			 "count", (json_int_t)h->total);
	/* clang-format on */
}

/* The "histogram" object loadgen writes (json.c histogram_json). */
static json_t *histogram_object(const struct hist *h)
{
	json_t *counts = json_array();
	uint64_t value, n;
	int cursor = 0;

	while (hist_next_bucket(h, &cursor, &value, &n))
		json_array_append_new(counts,
				      json_pack("[I, I]", (json_int_t)value, (json_int_t)n));
	/* clang-format off */
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:o}",
			 "unit", "us",
			 "sig_digits", (json_int_t)HIST_SIG_DIGITS,
			 "lowest", (json_int_t)HIST_LOWEST,
			 "highest", (json_int_t)HIST_HIGHEST,
			 "total", (json_int_t)h->total,
			 "clamped", (json_int_t)h->clamped,
			 "value", "lowest value of the bucket",
			 "counts", counts);
	/* clang-format on */
}

/* The run-level numbers: counts add, the duration is the longest. */
static void add_doc(json_t *m, const json_t *doc)
{
	static const char *const summed[] = {
	    "requests",	     "bytes_read",   "bytes_written",		"errors",
	    "status",	     "client_cpu_s", "connections_established", "idle_established",
	    "idle_alive_end"};
	static const char *const config_summed[] = {"threads", "connections", "rate", "idle"};
	json_t *rate = json_object_get(doc, "rate_achieved");

	for (size_t k = 0; k < sizeof(summed) / sizeof(summed[0]); k++)
		add_key(m, doc, summed[k]);
	for (size_t k = 0; k < sizeof(config_summed) / sizeof(config_summed[0]); k++)
		add_key(json_object_get(m, "config"), json_object_get(doc, "config"),
			config_summed[k]);
	add_timeline(json_object_get(m, "timeline"), json_object_get(doc, "timeline"));
	if (json_number_value(json_object_get(doc, "duration_s")) >
	    json_number_value(json_object_get(m, "duration_s")))
		json_object_set(m, "duration_s", json_object_get(doc, "duration_s"));
	if (json_is_false(rate))
		json_object_set_new(m, "rate_achieved", json_false());
}

int agentmerge(json_t *const *results, int n, struct hist *merged[AGENTMERGE_HISTS], json_t **doc,
	       char *err, size_t errlen)
{
	json_t *m = json_deep_copy(json_object_get(results[0], "doc"));
	double duration;

	if (!json_is_object(m)) {
		snprintf(err, errlen, "agent 1's result has no document");
		json_decref(m);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const json_t *hists = json_object_get(results[i], "hists");

		if (i > 0)
			add_doc(m, json_object_get(results[i], "doc"));
		for (int k = 0; k < AGENTMERGE_HISTS; k++)
			if (add_encoded(merged[k], json_object_get(hists, hist_names[k])) < 0) {
				snprintf(err, errlen, "agent %d: its %s histogram is malformed",
					 i + 1, hist_names[k]);
				json_decref(m);
				return -1;
			}
	}
	duration = json_number_value(json_object_get(m, "duration_s"));
	json_object_set_new(m, "requests_per_s",
			    json_real(duration > 0
					  ? (double)json_integer_value(json_object_get(
						json_object_get(m, "requests"), "verified")) /
						duration
					  : 0));
	for (int k = 0; k < AGENTMERGE_HISTS; k++)
		json_object_set_new(m, block_names[k], latency_block(merged[k]));
	json_object_set_new(m, "histogram", histogram_object(merged[0]));
	*doc = m;
	return 0;
}
