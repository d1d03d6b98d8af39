/*
 * lgjson.c - the load generator's JSON, read with jansson.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/lgjson.h"
#include "data/sys.h"

/* A number at obj.key, or NAN if it is missing or null. */
static double num(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Error counters count nothing when absent. */
static double count(json_t *obj, const char *key)
{
	double v = num(obj, key);

	return isnan(v) ? 0 : v;
}

/* The value at a dotted path ("latency_us.p99") under root, or NULL. */
static json_t *at_path(json_t *root, const char *path)
{
	char key[64];
	json_t *v = root;

	while (v && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v;
}

/* "requests" is either a number or an object {completed, verified,
 * warmup}; verified is what counts. */
static void read_requests(json_t *root, struct loadgen_summary *r)
{
	json_t *v = json_object_get(root, "requests");

	r->warmup_requests = 0;
	if (json_is_object(v)) {
		r->m[MET_REQUESTS] = num(v, "verified");
		if (isnan(r->m[MET_REQUESTS]))
			r->m[MET_REQUESTS] = num(v, "completed");
		r->warmup_requests = count(v, "warmup");
	} else {
		r->m[MET_REQUESTS] = json_is_number(v) ? json_number_value(v) : NAN;
	}
}

int lgjson_load(const char *path, struct loadgen_summary *r, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *errs;

	memset(r, 0, sizeof(*r));
	if (!root) {
		snprintf(err, errlen, "loadgen JSON %s: %s", path, jerr.text);
		return -1;
	}
	/* Every metric the table says loadgen reports, by its key. */
	for (int i = 0; i < METRICS; i++) {
		json_t *v = metrics[i].json ? at_path(root, metrics[i].json) : NULL;

		r->m[i] = json_is_number(v) ? json_number_value(v) : metrics[i].absent;
	}
	read_requests(root, r);
	r->connections_established = num(root, "connections_established");
	r->bytes_read = num(root, "bytes_read");
	errs = json_object_get(root, "errors");
	r->err_read = count(errs, "read");
	r->err_write = count(errs, "write");
	r->err_bad_response = count(errs, "bad_response");
	r->err_closed = count(errs, "closed");
	r->m[MET_ERRORS] = lgjson_errors(r);
	json_decref(root);
	if (isnan(r->m[MET_REQUESTS]) || isnan(r->m[MET_RPS])) {
		snprintf(err, errlen, "loadgen JSON %s: no requests/requests_per_s", path);
		return -1;
	}
	return 0;
}

double lgjson_errors(const struct loadgen_summary *r)
{
	return r->m[MET_CONNECT_ERRORS] + r->err_read + r->err_write + r->m[MET_TIMEOUTS] +
	       r->err_bad_response + r->err_closed;
}

void lgjson_describe_errors(const struct loadgen_summary *r, char *buf, size_t size)
{
	const struct {
		const char *name;
		double v;
	} kinds[] = {
	    {"connect", r->m[MET_CONNECT_ERRORS]},
	    {"read", r->err_read},
	    {"write", r->err_write},
	    {"timeout", r->m[MET_TIMEOUTS]},
	    {"bad_response", r->err_bad_response},
	    {"closed", r->err_closed},
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].v <= 0 || used >= size)
			continue;
		used += snprintf(buf + used, size - used, "%s%s=%.0f", used ? " " : "",
				 kinds[i].name, kinds[i].v);
	}
}

int lgjson_spectrum(const char *path, struct spectrum_point **out)
{
	json_t *root = json_load_file(path, 0, NULL), *counts, *pair;
	double total = 0, seen = 0;
	size_t i;
	int lines = 0;

	*out = NULL;
	counts = json_object_get(json_object_get(root, "histogram"), "counts");
	if (!json_is_array(counts)) {
		json_decref(root);
		return -1;
	}
	*out = sys_alloc((json_array_size(counts) + 1) * sizeof(**out));
	json_array_foreach(counts, i, pair) total += json_number_value(json_array_get(pair, 1));
	/* Buckets come in increasing value order; each point is the fraction
	 * of requests at or below that bucket's value. */
	json_array_foreach(counts, i, pair)
	{
		double value = json_number_value(json_array_get(pair, 0));
		double p;

		seen += json_number_value(json_array_get(pair, 1));
		p = seen / total;
		if (p >= 1.0)
			break;
		(*out)[lines++] = (struct spectrum_point){value, p, 1.0 / (1.0 - p)};
	}
	json_decref(root);
	return lines;
}
