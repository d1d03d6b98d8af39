/*
 * lgjson.c - the load generator's JSON, read with jansson.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/lgjson.h"

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

/* "requests" is either a number or an object {completed, verified,
 * warmup}; verified is what counts. */
static void read_requests(json_t *root, struct loadgen_summary *r)
{
	json_t *v = json_object_get(root, "requests");

	r->warmup_requests = 0;
	if (json_is_object(v)) {
		r->requests = num(v, "verified");
		if (isnan(r->requests))
			r->requests = num(v, "completed");
		r->warmup_requests = count(v, "warmup");
	} else {
		r->requests = json_is_number(v) ? json_number_value(v) : NAN;
	}
}

int lgjson_load(const char *path, struct loadgen_summary *r, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *lat, *errs;

	memset(r, 0, sizeof(*r));
	if (!root) {
		snprintf(err, errlen, "loadgen JSON %s: %s", path, jerr.text);
		return -1;
	}
	read_requests(root, r);
	r->duration_s = num(root, "duration_s");
	r->requests_per_s = num(root, "requests_per_s");
	r->client_cpu_s = num(root, "client_cpu_s");
	r->connections_established = num(root, "connections_established");
	lat = json_object_get(root, "latency_us");
	r->p50 = num(lat, "p50");
	r->p90 = num(lat, "p90");
	r->p99 = num(lat, "p99");
	r->p999 = num(lat, "p999");
	r->max = num(lat, "max");
	r->idle_established = num(root, "idle_established");
	r->idle_alive_end = num(root, "idle_alive_end");
	r->bytes_read = num(root, "bytes_read");
	lat = json_object_get(root, "connect_us");
	r->connect_p50 = num(lat, "p50");
	r->connect_p99 = num(lat, "p99");
	errs = json_object_get(root, "errors");
	/* Ephemeral ports ran out: connect() said EADDRNOTAVAIL. */
	r->err_addrnotavail = count(json_object_get(errs, "connect_errno"), "EADDRNOTAVAIL");
	r->err_connect = count(errs, "connect");
	r->err_read = count(errs, "read");
	r->err_write = count(errs, "write");
	r->err_timeout = count(errs, "timeout");
	r->err_bad_response = count(errs, "bad_response");
	r->err_closed = count(errs, "closed");
	json_decref(root);
	if (isnan(r->requests) || isnan(r->requests_per_s)) {
		snprintf(err, errlen, "loadgen JSON %s: no requests/requests_per_s", path);
		return -1;
	}
	return 0;
}

double lgjson_errors(const struct loadgen_summary *r)
{
	return r->err_connect + r->err_read + r->err_write + r->err_timeout + r->err_bad_response +
	       r->err_closed;
}

void lgjson_describe_errors(const struct loadgen_summary *r, char *buf, size_t size)
{
	const struct {
		const char *name;
		double v;
	} kinds[] = {
	    {"connect", r->err_connect},
	    {"read", r->err_read},
	    {"write", r->err_write},
	    {"timeout", r->err_timeout},
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

int lgjson_write_spectrum(const char *path, FILE *out)
{
	json_t *root = json_load_file(path, 0, NULL), *counts, *pair;
	double total = 0, seen = 0;
	size_t i;
	int lines = 0;

	counts = json_object_get(json_object_get(root, "histogram"), "counts");
	if (!json_is_array(counts)) {
		json_decref(root);
		return -1;
	}
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
		fprintf(out, "%.0f %.9f %.3f\n", value, p, 1.0 / (1.0 - p));
		lines++;
	}
	json_decref(root);
	return lines;
}
