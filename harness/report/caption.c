/*
 * caption.c - computed captions for the experiment sections (caption.h),
 * called once per report by the model builder (model.c).
 *
 * Every number in a caption is a median taken from the aggregated runs;
 * which scenario a sentence is about is chosen by what the scenario ran
 * (its idle count, delay, work, depth or size), so a suite with other
 * names or levels still gets a true caption.  A sentence whose figures
 * are missing (a model not run, every run failed) is left out.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/sys.h"
#include "report/caption.h"
#include "report/style.h"

/* A caption being written: appends never overflow. */
struct text {
	char *buf;
	size_t size, used;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->size - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n < t->size - t->used ? (size_t)n : t->size - t->used - 1;
}

static const struct run_row *desc(const struct agg *a, int i)
{
	return &a->scenarios[i].first;
}

static bool in_exp(const struct agg *a, int i, const char *e)
{
	return strcmp(desc(a, i)->experiment, e) == 0;
}

static double med(const struct agg *a, int i, int j, enum metric_id m)
{
	return agg_median(a, i, j, m);
}

static bool picks_any(const struct agg *a, int i)
{
	for (int j = 0; j < a->n_models; j++)
		if (agg_cell(a, i, j)->m[MET_SYSCALLS].n)
			return true;
	return false;
}

static bool any_ok(const struct agg *a, int i)
{
	for (int j = 0; j < a->n_models; j++)
		if (agg_cell(a, i, j)->ok)
			return true;
	return false;
}

/* A model and a value, for sorted lists in captions. */
struct pick {
	int j;
	double v, w; /* w: a second figure some lists show */
};

static int by_value_desc(const void *x, const void *y)
{
	const struct pick *p = x, *q = y;

	return p->v < q->v ? 1 : p->v > q->v ? -1 : p->j - q->j;
}

/* Models with a finite value(i, j), sorted high to low; returns how many. */
static int picks(const struct agg *a, int i, enum metric_id m, struct pick *out)
{
	int n = 0;

	for (int j = 0; j < a->n_models; j++) {
		double v = med(a, i, j, m);

		if (!isnan(v))
			out[n++] = (struct pick){.j = j, .v = v};
	}
	qsort(out, n, sizeof(*out), by_value_desc);
	return n;
}

/* "1 MiB", "4 KiB", "64 B" */
static const char *bytes_text(double b, char *buf, size_t size)
{
	if (b >= 1048576 && fmod(b, 1048576) == 0)
		snprintf(buf, size, "%.0f MiB", b / 1048576);
	else if (b >= 1024 && fmod(b, 1024) == 0)
		snprintf(buf, size, "%.0f KiB", b / 1024);
	else
		snprintf(buf, size, "%.0f B", b);
	return buf;
}

const char *caption_title(const char *e)
{
	static const struct {
		const char *name, *title;
	} titles[] = {
	    {"c10k", "C10K: idle connections"},
	    {"slow", "A slow backend (--delay-us), and blocking in the event loop"},
	    {"cpu", "CPU work per request (--work-us)"},
	    {"connect", "A connection per request (no keep-alive)"},
	    {"pipeline", "Pipelining depth and echo message size"},
	    {"batch", "The seed benchmark: a whole batch timed by hyperfine"},
	    {"syscalls", "System calls per request"},
	    {"sweep", "Latency against offered load (rate sweep)"},
	    {"push", "Server push: long polling, server-sent events, WebSocket subscribers"},
	    {"quick", "The quick suite: HTTP keep-alive and echo at a few connection counts"},
	};

	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].name, e) == 0)
			return titles[i].title;
	return e;
}

/* The scenario of experiment e with the smallest (sign 1) or largest (-1)
 * value of column, among those with an ok run (need_ok) or all. */
static int extreme(const struct agg *a, const char *e, const char *column, int sign, bool need_ok)
{
	int best = -1;
	double bv = 0, v;

	for (int i = 0; i < a->n_scenarios; i++) {
		if (!in_exp(a, i, e) || (need_ok && !any_ok(a, i)) ||
		    results_get(desc(a, i), column, &v) < 0)
			continue;
		if (best < 0 || v * sign < bv * sign)
			best = i, bv = v;
	}
	return best;
}

/* Which models refused connections (select past FD_SETSIZE), and where. */
static void c10k_refusals(const struct agg *a, const char *e, struct text *t)
{
	for (int j = 0; j < a->n_models; j++) {
		double most = 0, at = 0;
		bool died = false;

		for (int i = 0; i < a->n_scenarios; i++) {
			const struct agg_cell *c = agg_cell(a, i, j);
			double r = sample_max(&c->m[MET_REFUSED]);

			if (!in_exp(a, i, e))
				continue;
			died |= strstr(c->note, "server died") != NULL;
			if (r > most)
				most = r, at = desc(a, i)->idle;
		}
		if (most > 0)
			say(t,
			    " %s refused %.0f connections at %.0f idle (descriptors past its limit "
			    "are closed with a log line) and %s.",
			    a->models[j], most, at, died ? "died" : "kept running to the end");
	}
}

/* Models with ok runs at 0 idle and none at the smallest non-zero count. */
static void c10k_blocked(const struct agg *a, int i0, int i1, struct text *t)
{
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i1, j);

		if (agg_cell(a, i0, j)->ok && !c->ok && c->failed &&
		    !(sample_max(&c->m[MET_REFUSED]) > 0))
			say(t, " %s served no active connection at %.0f idle (%s).", a->models[j],
			    desc(a, i1)->idle, c->note);
	}
}

static void caption_c10k(const struct agg *a, const char *e, struct text *t)
{
	int i0 = extreme(a, e, "idle", 1, true), iN = extreme(a, e, "idle", -1, true);
	int i1 = -1, n = 0;
	struct pick p[a->n_models + 1];

	if (i0 < 0 || iN < 0 || desc(a, i0)->idle != 0 || iN == i0)
		return;
	for (int i = 0; i < a->n_scenarios; i++)
		if (in_exp(a, i, e) && desc(a, i)->idle > 0 &&
		    (i1 < 0 || desc(a, i)->idle < desc(a, i1)->idle))
			i1 = i;
	for (int j = 0; j < a->n_models; j++) {
		double k = agg_kib_per_idle(a, iN, i0, j);

		if (!isnan(k))
			p[n++] = (struct pick){.j = j, .v = k};
	}
	qsort(p, n, sizeof(p[0]), by_value_desc);
	if (n) {
		say(t,
		    "Memory per idle connection at %.0f idle (peak RSS at %.0f idle minus at 0, "
		    "over "
		    "the connections still open):",
		    desc(a, iN)->idle, desc(a, iN)->idle);
		for (int k = 0; k < n; k++)
			say(t, "%s %s %.3g KiB", k ? "," : "", a->models[p[k].j], p[k].v);
		say(t, ".");
		say(t,
		    " %s served %.0f requests/s on its %.0f active connections at %.0f idle, "
		    "%.0f at 0 idle (p99 %.3g ms).",
		    a->models[p[n - 1].j], med(a, iN, p[n - 1].j, MET_RPS),
		    desc(a, iN)->connections, desc(a, iN)->idle, med(a, i0, p[n - 1].j, MET_RPS),
		    med(a, iN, p[n - 1].j, MET_P99) / 1000);
	}
	c10k_refusals(a, e, t);
	if (i1 >= 0)
		c10k_blocked(a, i0, i1, t);
}

static void slow_blocking(const struct agg *a, const char *e, struct text *t)
{
	int b = -1, twin, n = 0;
	struct pick p[a->n_models + 1];

	for (int i = 0; i < a->n_scenarios; i++)
		if (in_exp(a, i, e) && desc(a, i)->delay_blocking && any_ok(a, i) &&
		    a->scenarios[i].timer_twin >= 0 &&
		    (b < 0 || desc(a, i)->delay_us > desc(a, b)->delay_us))
			b = i;
	if (b < 0)
		return;
	twin = a->scenarios[b].timer_twin;
	/* The stalled ones: blocking lost more than half of the timer's rate. */
	for (int j = 0; j < a->n_models; j++) {
		double blk = med(a, b, j, MET_RPS), tmr = med(a, twin, j, MET_RPS);

		if (!isnan(blk) && !isnan(tmr) && blk < 0.5 * tmr)
			p[n++] = (struct pick){.j = j, .v = tmr, .w = blk};
	}
	qsort(p, n, sizeof(p[0]), by_value_desc);
	say(t, "With --delay-blocking at %.0f ms and %.0f connections, ",
	    desc(a, b)->delay_us / 1000, desc(a, b)->connections);
	if (!n) {
		say(t, "no model lost half of its requests/s against the timer.");
		return;
	}
	say(t, "the loop sleeps in place of arming a timer:");
	for (int k = 0; k < n; k++)
		say(t, "%s %s fell from %.0f to %.0f requests/s", k ? "," : "", a->models[p[k].j],
		    p[k].v, p[k].w);
	say(t, " (1/delay is %.0f per loop).", 1e6 / desc(a, b)->delay_us);
}

/* The blocking scenario with the most connections, when there are more than
 * in another one: how many blocking calls each model ran at once
 * (requests/s x delay, Little's law) - one for a loop that sleeps, up to its
 * pool for a model that hands the sleep to threads (epoll-offload). */
static void slow_blocking_at_once(const struct agg *a, const char *e, struct text *t)
{
	int b = -1, fewest = -1, n;
	struct pick p[a->n_models + 1];
	double D;

	for (int i = 0; i < a->n_scenarios; i++) {
		if (!in_exp(a, i, e) || !desc(a, i)->delay_blocking || !any_ok(a, i))
			continue;
		if (b < 0 || desc(a, i)->connections > desc(a, b)->connections)
			b = i;
		if (fewest < 0 || desc(a, i)->connections < desc(a, fewest)->connections)
			fewest = i;
	}
	if (b < 0 || desc(a, b)->connections <= desc(a, fewest)->connections)
		return;
	D = desc(a, b)->delay_us;
	n = picks(a, b, MET_RPS, p);
	say(t,
	    " At %.0f connections, each request blocking %.0f ms, blocking calls at once "
	    "(requests/s x delay):",
	    desc(a, b)->connections, D / 1000);
	for (int k = 0; k < n; k++)
		say(t, p[k].v * D / 1e6 >= 10 ? "%s %s %.0f" : "%s %s %.2g", k ? "," : "",
		    a->models[p[k].j], p[k].v * D / 1e6);
	say(t, " - one for a loop that sleeps, up to its pool size where a pool takes the "
	       "sleep.");
}

static void caption_slow(const struct agg *a, const char *e, struct text *t)
{
	int iD = -1, it = agg_find_model(a, "iterative"), n;
	double best_it = NAN, D;
	struct pick p[a->n_models + 1];

	for (int i = 0; i < a->n_scenarios; i++) {
		const struct run_row *r = desc(a, i);

		if (!in_exp(a, i, e) || r->delay_blocking || r->delay_us <= 0)
			continue;
		if (iD < 0 || r->delay_us > desc(a, iD)->delay_us ||
		    (r->delay_us == desc(a, iD)->delay_us &&
		     r->connections > desc(a, iD)->connections))
			iD = i;
	}
	if (iD < 0)
		return;
	D = desc(a, iD)->delay_us;
	for (int i = 0; it >= 0 && i < a->n_scenarios; i++)
		if (in_exp(a, i, e) && !desc(a, i)->delay_blocking && desc(a, i)->delay_us == D &&
		    (isnan(best_it) || med(a, i, it, MET_RPS) > best_it))
			best_it = med(a, i, it, MET_RPS);
	if (!isnan(best_it))
		say(t,
		    "At %.0f ms delay the iterative server completed %.0f requests/s; 1/delay is "
		    "%.0f. ",
		    D / 1000, best_it, 1e6 / D);
	n = picks(a, iD, MET_RPS, p);
	if (n) {
		say(t, "At %.0f connections, requests/s x delay (requests waiting at once):",
		    desc(a, iD)->connections);
		for (int k = 0; k < n; k++)
			say(t, p[k].v * D / 1e6 >= 10 ? "%s %s %.0f" : "%s %s %.2g", k ? "," : "",
			    a->models[p[k].j], p[k].v * D / 1e6);
		say(t, " - each connection can have one waiting. ");
	}
	slow_blocking(a, e, t);
	slow_blocking_at_once(a, e, t);
}

static void caption_cpu(const struct agg *a, const char *e, struct text *t)
{
	int iW = extreme(a, e, "work_us", -1, true), n, above = 0, below = 0;
	struct pick p[a->n_models + 1];
	const struct run_row *r;
	double one;

	if (iW < 0 || desc(a, iW)->work_us <= 0)
		return;
	r = desc(a, iW);
	one = 1e6 / r->work_us;
	n = picks(a, iW, MET_RPS, p);
	say(t, "At %.0f us of CPU work per request one core allows %.0f requests/s.", r->work_us,
	    one);
	for (int k = 0; k < n; k++)
		if (p[k].v > 1.15 * one)
			say(t, "%s %s %.0f",
			    above++ ? "," : " More than 15% above it, so using a second core:",
			    a->models[p[k].j], p[k].v);
	say(t, "%s", above ? "." : "");
	for (int k = 0; k < n; k++)
		if (!(p[k].v > 1.15 * one))
			say(t, "%s %s %.0f", below++ ? "," : " Within 15% of one core or below it:",
			    a->models[p[k].j], p[k].v);
	say(t, "%s", below ? "." : "");
	say(t,
	    " The server ran on CPUs %s, the load generator on CPU %s with %.0f thread(s), so "
	    "the two share a core.",
	    r->server_cpus, r->client_cpus, r->loadgen_threads);
}

static void caption_connect(const struct agg *a, const char *e, struct text *t)
{
	int iC = extreme(a, e, "connections", -1, true), n, out = 0;
	struct pick p[a->n_models + 1];

	if (iC < 0)
		return;
	n = picks(a, iC, MET_RPS, p);
	if (n)
		say(t,
		    "With a new connection per request at %.0f connections, %s completed the most, "
		    "%.0f requests/s (connect p50 %.0f us, p99 %.0f us), and %s the fewest, %.0f "
		    "(connect p50 %.0f us).",
		    desc(a, iC)->connections, a->models[p[0].j], p[0].v,
		    med(a, iC, p[0].j, MET_CONNECT_P50), med(a, iC, p[0].j, MET_CONNECT_P99),
		    a->models[p[n - 1].j], p[n - 1].v, med(a, iC, p[n - 1].j, MET_CONNECT_P50));
	for (int i = 0; i < a->n_scenarios; i++)
		for (int j = 0; in_exp(a, i, e) && j < a->n_models; j++)
			out += agg_cell(a, i, j)->ports_out;
	if (out)
		say(t,
		    " Ephemeral ports ran out in %d runs: they are marked failed (\"ports ran "
		    "out\"), not counted as throughput.",
		    out);
	else
		say(t,
		    " No run ran out of ephemeral ports (no connect failed with EADDRNOTAVAIL).");
}

static void pipeline_depth(const struct agg *a, const char *e, struct text *t)
{
	int lo = -1, hi = -1, n = 0;
	struct pick p[a->n_models + 1];

	for (int i = 0; i < a->n_scenarios; i++) {
		if (!in_exp(a, i, e) || strcmp(desc(a, i)->x_key, "pipeline") || !any_ok(a, i))
			continue;
		if (lo < 0 || desc(a, i)->pipeline < desc(a, lo)->pipeline)
			lo = i;
		if (hi < 0 || desc(a, i)->pipeline > desc(a, hi)->pipeline)
			hi = i;
	}
	if (lo < 0 || lo == hi)
		return;
	for (int j = 0; j < a->n_models; j++) {
		double x = med(a, lo, j, MET_RPS), y = med(a, hi, j, MET_RPS);

		if (x > 0 && !isnan(y))
			p[n++] = (struct pick){.j = j, .v = y / x, .w = y};
	}
	qsort(p, n, sizeof(p[0]), by_value_desc);
	if (!n)
		return;
	say(t, "From %.0f to %.0f pipelined requests per connection, requests/s changed by:",
	    desc(a, lo)->pipeline, desc(a, hi)->pipeline);
	for (int k = 0; k < n; k++)
		say(t, p[k].v >= 10 ? "%s %s x%.0f (%.0f)" : "%s %s x%.2g (%.0f)", k ? "," : "",
		    a->models[p[k].j], p[k].v, p[k].w);
	say(t, ". ");
}

static void pipeline_size(const struct agg *a, const char *e, struct text *t)
{
	int lo = -1, hi = -1;
	struct pick p[a->n_models + 1], q[a->n_models + 1];
	char b1[32], b2[32];

	for (int i = 0; i < a->n_scenarios; i++) {
		if (!in_exp(a, i, e) || strcmp(desc(a, i)->x_key, "size") || !any_ok(a, i))
			continue;
		if (lo < 0 || desc(a, i)->size < desc(a, lo)->size)
			lo = i;
		if (hi < 0 || desc(a, i)->size > desc(a, hi)->size)
			hi = i;
	}
	if (lo < 0 || lo == hi || !picks(a, hi, MET_MBPS, p) || !picks(a, lo, MET_MBPS, q))
		return;
	say(t,
	    "Echo with %s messages: %s moved the most, %.1f MB/s (%.0f messages/s); with %s "
	    "messages %s moved %.1f MB/s (%.0f messages/s).",
	    bytes_text(desc(a, hi)->size, b1, sizeof(b1)), a->models[p[0].j], p[0].v,
	    med(a, hi, p[0].j, MET_RPS), bytes_text(desc(a, lo)->size, b2, sizeof(b2)),
	    a->models[q[0].j], q[0].v, med(a, lo, q[0].j, MET_RPS));
}

/* Any other experiment: the best model of each of its first scenarios. */
static void caption_generic(const struct agg *a, const char *e, struct text *t)
{
	struct pick p[a->n_models + 1];
	int shown = 0;

	for (int i = 0; i < a->n_scenarios && shown < 6; i++) {
		if (!in_exp(a, i, e) || agg_is_sweep(a, i) || agg_is_push(a, i) ||
		    !picks(a, i, MET_RPS, p))
			continue;
		say(t, "%s%s: %s %.0f requests/s",
		    shown++ ? "; " : "Most requests/s: ", a->scenarios[i].name, a->models[p[0].j],
		    p[0].v);
	}
	say(t, "%s", shown ? "." : "");
}

/* A sweep step counts toward capacity only if it achieved this share of
 * its offered rate. */
#define SWEEP_KEPT_UP 0.9

double caption_sweep_capacity(const struct agg *a, const char *series, int j, double bound_us)
{
	double best = NAN;

	for (int i = 0; i < a->n_scenarios; i++) {
		const struct agg_cell *c = agg_cell(a, i, j);

		if (!agg_is_sweep(a, i) || strcmp(a->scenarios[i].series, series) || c->ok == 0 ||
		    c->rate <= 0)
			continue; /* another series, a failed step, or the probe */
		/* A step that fell behind its schedule did not serve that load:
		 * the latency of the few answers it got says nothing. */
		if (c->st[MET_P99].median <= bound_us && c->st[MET_ERRORS].median == 0 &&
		    c->st[MET_RPS].median >= SWEEP_KEPT_UP * c->rate &&
		    !(c->st[MET_RPS].median <= best))
			best = c->st[MET_RPS].median;
	}
	return best;
}

/* "epoll 95000, libuv 90000; none within it: iterative" for one bound. */
static void sweep_bound(const struct agg *a, const char *series, double bound_us, struct text *t)
{
	struct pick p[a->n_models + 1];
	int n = 0, none = 0;

	for (int j = 0; j < a->n_models; j++) {
		double v = caption_sweep_capacity(a, series, j, bound_us);

		if (!isnan(v))
			p[n++] = (struct pick){.j = j, .v = v};
	}
	qsort(p, n, sizeof(*p), by_value_desc);
	say(t, " At p99 <= %.0f ms: ", bound_us / 1000);
	for (int k = 0; k < n; k++)
		say(t, "%s%s %.0f", k ? ", " : "", a->models[p[k].j], p[k].v);
	for (int j = 0; j < a->n_models; j++) {
		bool ran = false, met = !isnan(caption_sweep_capacity(a, series, j, bound_us));

		for (int i = 0; i < a->n_scenarios; i++)
			ran |= agg_is_sweep(a, i) && !strcmp(a->scenarios[i].series, series) &&
			       agg_cell(a, i, j)->ok + agg_cell(a, i, j)->failed > 0;
		if (ran && !met)
			say(t, "%s%s",
			    none++ ? ", "
			    : n	   ? "; no step within it: "
				   : "no step within it: ",
			    a->models[j]);
	}
	say(t, ".");
}

/* The rate sweeps of experiment e: each model's capacity at 1 ms and 10 ms. */
static void caption_sweep(const struct agg *a, const char *e, struct text *t)
{
	for (int i = 0; i < a->n_scenarios; i++) {
		bool first = true;

		if (!in_exp(a, i, e) || !agg_is_sweep(a, i))
			continue;
		for (int k = 0; k < i; k++)
			first &= !agg_is_sweep(a, k) ||
				 strcmp(a->scenarios[k].series, a->scenarios[i].series) != 0;
		if (!first)
			continue;
		say(t,
		    "%sLatency against offered load (%s, %.0f connections, open loop at rates "
		    "scaled from each model's closed-loop probe): capacity at a p99 bound is the "
		    "most requests/s of a step that kept up with its rate (90%%) within it, with "
		    "no errors.",
		    t->used ? " " : "", a->scenarios[i].series, a->scenarios[i].connections);
		sweep_bound(a, a->scenarios[i].series, 1000, t);
		sweep_bound(a, a->scenarios[i].series, 10000, t);
	}
}

/* ---- push (issue 15) ---- */

/* The push scenario of experiment e and style with the fewest (sign 1) or
 * most (-1) subscribers, or -1. */
static int push_extreme(const struct agg *a, const char *e, const char *style, int sign)
{
	int best = -1;

	for (int i = 0; i < a->n_scenarios; i++)
		if (in_exp(a, i, e) && strcmp(desc(a, i)->subscribe, style) == 0 &&
		    (best < 0 ||
		     desc(a, i)->connections * sign < desc(a, best)->connections * sign))
			best = i;
	return best;
}

/* Did model j hold all the subscribers of scenario i (median of its ok
 * runs)? */
static bool push_held(const struct agg *a, int i, int j)
{
	return agg_cell(a, i, j)->ok && med(a, i, j, MET_SUBSCRIBED) >= desc(a, i)->connections;
}

static bool is_event_loop(const char *model)
{
	const char *f = style_family(model);

	return !strcmp(f, "readiness") || !strcmp(f, "library") || !strcmp(f, "completion");
}

/* "p99 1.2 ms, 3.4 KiB per subscriber" of model j at i (i0: the fewest). */
static void push_figures(const struct agg *a, int i, int i0, int j, struct text *t)
{
	double kib = agg_kib_per_subscriber(a, i, i0, j);

	say(t, "p99 %.3g ms", med(a, i, j, MET_DELIVERY_P99) / 1000);
	if (!isnan(kib))
		say(t, ", %.3g KiB per subscriber", kib);
}

/* The event-loop models' range of p99 at i, beside thread-per-conn and
 * green-threads, the lecture's comparison. */
static void push_compare(const struct agg *a, int i, int i0, struct text *t)
{
	double lo = NAN, hi = NAN, klo = NAN, khi = NAN;
	int nloop = 0, nkib = 0;
	const char *others[] = {"thread-per-conn", "green-threads"};

	for (int j = 0; j < a->n_models; j++) {
		double v = med(a, i, j, MET_DELIVERY_P99) / 1000,
		       k = agg_kib_per_subscriber(a, i, i0, j);

		if (!is_event_loop(a->models[j]) || !push_held(a, i, j) || isnan(v))
			continue;
		lo = nloop == 0 || v < lo ? v : lo;
		hi = nloop == 0 || v > hi ? v : hi;
		nloop++;
		if (isnan(k))
			continue;
		klo = nkib == 0 || k < klo ? k : klo;
		khi = nkib == 0 || k > khi ? k : khi;
		nkib++;
	}
	if (nloop) {
		say(t, " Event loops that held them (%d): p99 ", nloop);
		say(t, lo == hi ? "%.3g ms" : "%.3g to %.3g ms", lo, hi);
		if (nkib)
			say(t,
			    klo == khi ? ", %.3g KiB per subscriber"
				       : ", %.3g to %.3g KiB per subscriber",
			    klo, khi);
		say(t, ";");
	}
	for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++)
		for (int j = 0; j < a->n_models; j++) {
			if (strcmp(a->models[j], others[k]))
				continue;
			say(t, " %s ", others[k]);
			if (push_held(a, i, j))
				push_figures(a, i, i0, j, t);
			else
				say(t, "held %.0f (%s)", med(a, i, j, MET_SUBSCRIBED),
				    agg_cell(a, i, j)->note[0] ? agg_cell(a, i, j)->note
							       : "no ok run");
			say(t, ";");
		}
	if (t->used && t->buf[t->used - 1] == ';')
		t->buf[t->used - 1] = '.';
}

/* One style: who held the most subscribers, p99 at that count (lowest
 * first), missed events, who did not hold them and why. */
static void push_style(const struct agg *a, const char *e, const char *style, struct text *t)
{
	int i0 = push_extreme(a, e, style, 1), iN = push_extreme(a, e, style, -1), n = 0;
	struct pick p[a->n_models + 1];

	if (iN < 0)
		return;
	for (int j = 0; j < a->n_models; j++)
		if (push_held(a, iN, j) && !isnan(med(a, iN, j, MET_DELIVERY_P99)))
			p[n++] = (struct pick){.j = j,
					       .v = -med(a, iN, j, MET_DELIVERY_P99),
					       .w = med(a, iN, j, MET_MISSED)};
	qsort(p, n, sizeof(p[0]), by_value_desc); /* -p99 high to low: lowest p99 first */
	say(t, "%s%s at %.0f subscribers (%.3g events/s each): ", t->used ? " " : "", style,
	    desc(a, iN)->connections, desc(a, iN)->publish_hz);
	if (n == 0)
		say(t, "no model held them all.");
	else
		say(t, "%d model%s held them all; p99 delivery latency", n, n > 1 ? "s" : "");
	for (int k = 0; k < n; k++) {
		say(t, "%s %s %.3g ms", k ? "," : "", a->models[p[k].j], -p[k].v / 1000);
		if (p[k].w > 0)
			say(t, " (%.0f missed)", p[k].w);
	}
	if (n)
		say(t, ".");
	for (int j = 0; j < a->n_models; j++)
		if (!push_held(a, iN, j) && (agg_cell(a, iN, j)->ok || agg_cell(a, iN, j)->failed))
			say(t, " %s held %.0f: %s.", a->models[j],
			    isnan(med(a, iN, j, MET_SUBSCRIBED)) ? 0
								 : med(a, iN, j, MET_SUBSCRIBED),
			    agg_cell(a, iN, j)->note[0] ? agg_cell(a, iN, j)->note : "no ok run");
	if (i0 != iN)
		push_compare(a, iN, i0, t);
}

static bool has_push(const struct agg *a, const char *e)
{
	for (int i = 0; i < a->n_scenarios; i++)
		if (in_exp(a, i, e) && agg_is_push(a, i))
			return true;
	return false;
}

static void caption_push(const struct agg *a, const char *e, struct text *t)
{
	say(t, "Delivery latency is the subscriber's arrival time minus the event's publish "
	       "time, for every event and subscriber; memory per subscriber is (peak RSS at N "
	       "- at the fewest) / (subscribers held at N - at the fewest).");
	push_style(a, e, "poll", t);
	push_style(a, e, "sse", t);
	push_style(a, e, "ws", t);
}

void caption_experiment(const struct agg *a, const char *e, char *buf, size_t size)
{
	struct text t = {.buf = buf, .size = size, .used = 0};

	buf[0] = '\0';
	if (has_push(a, e)) /* any suite holding subscribers, not only push */
		caption_push(a, e, &t);
	else if (strcmp(e, "c10k") == 0)
		caption_c10k(a, e, &t);
	else if (strcmp(e, "slow") == 0)
		caption_slow(a, e, &t);
	else if (strcmp(e, "cpu") == 0)
		caption_cpu(a, e, &t);
	else if (strcmp(e, "connect") == 0)
		caption_connect(a, e, &t);
	else if (strcmp(e, "pipeline") == 0) {
		pipeline_depth(a, e, &t);
		pipeline_size(a, e, &t);
	} else
		caption_generic(a, e, &t);
	caption_sweep(a, e, &t);
}

/* The plain HTTP keep-alive scenario nearest 100 connections, or -1. */
static int plain_http(const struct agg *a)
{
	int best = -1;

	for (int i = 0; i < a->n_scenarios; i++) {
		const struct run_row *r = desc(a, i);

		if (strcmp(r->proto, "http") || !r->keepalive || r->pipeline != 1 ||
		    r->delay_us > 0 || r->work_us > 0 || r->idle > 0 || r->rate > 0 ||
		    agg_is_sweep(a, i) || agg_is_push(a, i) || !picks_any(a, i))
			continue;
		if (best < 0 ||
		    fabs(log(r->connections / 100)) < fabs(log(desc(a, best)->connections / 100)))
			best = i;
	}
	return best;
}

void caption_syscalls(const struct agg *a, char *buf, size_t size)
{
	struct text t = {.buf = buf, .size = size, .used = 0};
	struct pick p[a->n_models + 1];
	int i = plain_http(a), n = 0;

	buf[0] = '\0';
	if (i < 0)
		return;
	for (int j = 0; j < a->n_models; j++) {
		double v = med(a, i, j, MET_SYSCALLS);

		if (!isnan(v))
			p[n++] = (struct pick){.j = j, .v = -v, .w = med(a, i, j, MET_RPS)};
	}
	qsort(p, n, sizeof(p[0]), by_value_desc); /* fewest calls first */
	if (!n)
		return;
	say(&t,
	    "System calls of the server tree per request in %s (HTTP keep-alive, %.0f "
	    "connections), fewest first, with requests/s:",
	    a->scenarios[i].name, desc(a, i)->connections);
	for (int k = 0; k < n; k++)
		say(&t, "%s %s %.2f (%.0f)", k ? "," : "", a->models[p[k].j], -p[k].v, p[k].w);
	say(&t, ". Counted in a separate short run per scenario and model (rep 0; meta.json "
		"names the counter), so counting never slows the measured repetitions.");
}

/* What a batch asks, from its settings: how long a concurrent server and
 * a serial one need.  The load generator pauses think_ms after each answer
 * but the last, so a client's messages span (messages - 1) intervals: the
 * seed article's 100 x 10 lines one second apart take a concurrent server
 * about 9 s and a serial one 100 x 9 s = 900 s (the article rounds to
 * 10 s and 1000 s, a pause after the last line included). */
static void say_batch_settings(const struct hyperfine_batch *p, struct text *t)
{
	double one = (p->messages - 1) * p->think_ms / 1000.0;
	bool lines = strcmp(p->proto, "lines") == 0;

	say(t, " (%d clients x %d %s, %d ms apart", p->clients, p->messages,
	    lines ? "lines" : "echo messages", p->think_ms);
	if (p->idle_timeout_s)
		say(t, ", server --idle-timeout %d", p->idle_timeout_s);
	say(t,
	    "): a client's %s span %d intervals, so a server that serves the clients "
	    "concurrently needs about %.1f s, a serial one (one client after another) %d x "
	    "%.1f s = %.0f s; runs are cut off at %.0f s",
	    lines ? "lines" : "messages", p->messages - 1, one, p->clients, one, p->clients * one,
	    p->bound_s);
}

/* Every model's median, in the export's order, or why it has none. */
static void say_batch_models(const struct model_batch *b, struct text *t)
{
	say(t, "; median per model:");
	for (int k = 0; k < b->n; k++) {
		say(t, "%s %s ", k ? "," : "", b->r[k].model);
		if (b->note[k][0])
			say(t, "%s", b->note[k]);
		else
			say(t, "%.2f s", b->r[k].median_s);
	}
}

/* One batch: who finished, in how long, and who was cut off. */
static void caption_batch(const struct model_batch *b, struct text *t)
{
	const struct hyperfine_result *r = b->r;
	const char *file = b->file;
	int n = b->n, done = 0, fast = -1;
	double lo = NAN, hi = NAN;

	for (int k = 0; k < n; k++) {
		if (r[k].cut_off || r[k].failed)
			continue;
		done++;
		if (isnan(lo) || r[k].median_s < lo)
			lo = r[k].median_s, fast = k;
		if (isnan(hi) || r[k].median_s > hi)
			hi = r[k].median_s;
	}
	if (n > 0)
		say(t, "%.*s", (int)strlen(file) - 11, file + 6);
	if (n > 0 && b->params.clients > 0)
		say_batch_settings(&b->params, t);
	if (n > 0)
		say(t, "%s%d of %d models finished every run", b->params.clients > 0 ? ". " : ": ",
		    done, n);
	if (done)
		say(t, ", in %.2f to %.2f s (medians; fastest %s)", lo, hi, r[fast].model);
	if (n > 0 && b->params.clients > 0) {
		say_batch_models(b, t);
	} else {
		for (int k = 0; k < n; k++)
			if (b->note[k][0])
				say(t, "; %s %s, median %.2f s", r[k].model, b->note[k],
				    r[k].median_s);
	}
	if (n > 0)
		say(t, ". ");
}

void caption_batches(const struct model_batch *batches, int n, char *buf, size_t size)
{
	struct text t = {.buf = buf, .size = size, .used = 0};

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		caption_batch(&batches[i], &t);
}

/*
 * The headline: a few sentences on who wins where, for the top of the
 * report.  Each one picks its scenario by what it ran, as the captions
 * above do, and is left out when its figures are missing.
 */

/* The scenario the headline quotes: the spectrum scenario when it is a
 * plain HTTP keep-alive one, else the plain one nearest 100 connections
 * with an ok run; -1 if there is none. */
static int headline_scenario(const struct report_model *m)
{
	const struct agg *a = &m->agg;
	int best = -1;

	for (int i = 0; i < a->n_scenarios; i++) {
		const struct run_row *r = desc(a, i);

		if (strcmp(r->proto, "http") || !r->keepalive || r->pipeline != 1 ||
		    r->delay_us > 0 || r->work_us > 0 || r->idle > 0 || r->rate > 0 ||
		    agg_is_push(a, i) || !any_ok(a, i))
			continue;
		if (i == m->spectrum_i)
			return i;
		if (best < 0 ||
		    fabs(log(r->connections / 100)) < fabs(log(desc(a, best)->connections / 100)))
			best = i;
	}
	return best;
}

/* "0.1%", "12%" */
static const char *percent_text(double ratio, char *buf, size_t size)
{
	snprintf(buf, size, ratio < 0.1 ? "%.1f%%" : "%.0f%%", 100 * ratio);
	return buf;
}

/* Who served the most requests/s at scenario i, by how much over the next,
 * whether the two can be told apart and whether the load generator was
 * the limit; and who served the fewest. */
static void headline_rps(const struct report_model *m, int i, struct text *t)
{
	const struct agg *a = &m->agg;
	struct pick p[a->n_models + 1];
	int n = picks(a, i, MET_RPS, p);
	const struct agg_stat *win, *next;
	const struct model_marks *mk;
	char pct[16];

	if (n < 2)
		return;
	win = &agg_cell(a, i, p[0].j)->st[MET_RPS];
	next = &agg_cell(a, i, p[1].j)->st[MET_RPS];
	mk = model_marks_of(m, i, p[0].j);
	say(t,
	    "At %s (HTTP keep-alive, %.0f connections) %s served the most requests/s, %.0f, "
	    "%s more than %s (%.0f)",
	    a->scenarios[i].name, desc(a, i)->connections, a->models[p[0].j], p[0].v,
	    percent_text(p[0].v / p[1].v - 1, pct, sizeof(pct)), a->models[p[1].j], p[1].v);
	if (win->n > 1 && next->n > 1 && win->min <= next->max)
		say(t, "; their min..max ranges overlap, so this run does not tell the two apart");
	if (n > 2)
		say(t, "; the fewest: %s, %.0f", a->models[p[n - 1].j], p[n - 1].v);
	say(t, ".");
	if (mk->client_bound)
		say(t,
		    " %d of %d runs of %s there were client-bound (the load generator used up to "
		    "%.0f%% of its CPUs): its figure is partly the load generator's limit.",
		    mk->client_bound, mk->runs, a->models[p[0].j], 100 * mk->client_max);
}

/* The lowest and highest median of metric id at scenario i.  With
 * by_rps, only among the models that served at least half the top
 * requests/s there: a model that serves one connection at a time has
 * short latency and few requests/s, which is no win. */
static void headline_low_high(const struct agg *a, int i, enum metric_id id, bool by_rps,
			      const char *low, const char *high, double scale, const char *unit,
			      struct text *t)
{
	struct pick p[a->n_models + 1], r[a->n_models + 1];
	int n = 0, nr = picks(a, i, MET_RPS, r);

	for (int j = 0; nr > 0 && j < a->n_models; j++) {
		double v = med(a, i, j, id);

		if (!isnan(v) && (!by_rps || med(a, i, j, MET_RPS) >= 0.5 * r[0].v))
			p[n++] = (struct pick){.j = j, .v = v};
	}
	qsort(p, n, sizeof(p[0]), by_value_desc);
	if (n < 2 || p[0].v == p[n - 1].v)
		return;
	say(t, "%s there", low);
	if (by_rps && n < nr)
		say(t, ", among the %d models with at least half the top requests/s", n);
	say(t, ": %s, %.3g %s; %s: %s, %.3g %s.", a->models[p[n - 1].j], p[n - 1].v * scale, unit,
	    high, a->models[p[0].j], p[0].v * scale, unit);
}

/* The least and most memory per idle connection, at the largest idle
 * count where it was measured. */
static void headline_memory(const struct report_model *m, struct text *t)
{
	const struct agg *a = &m->agg;
	struct pick p[a->n_models + 1];
	int iN = -1, n = 0;

	for (int i = 0; i < a->n_scenarios; i++)
		for (int j = 0; j < a->n_models; j++)
			if (!isnan(m->idle_kib[i * a->n_models + j]) &&
			    (iN < 0 || desc(a, i)->idle > desc(a, iN)->idle))
				iN = i;
	if (iN < 0)
		return;
	for (int j = 0; j < a->n_models; j++)
		if (!isnan(m->idle_kib[iN * a->n_models + j]))
			p[n++] = (struct pick){.j = j, .v = m->idle_kib[iN * a->n_models + j]};
	qsort(p, n, sizeof(p[0]), by_value_desc);
	if (n < 2 || !(p[n - 1].v > 0)) {
		say(t, "At %.0f idle connections %s needed %.3g KiB of memory per idle connection.",
		    desc(a, iN)->idle, a->models[p[0].j], p[0].v);
		return;
	}
	say(t,
	    "At %.0f idle connections %s needed the least memory per idle connection, %.3g KiB; "
	    "%s the most, %.3g KiB (%.0f times as much).",
	    desc(a, iN)->idle, a->models[p[n - 1].j], p[n - 1].v, a->models[p[0].j], p[0].v,
	    p[0].v / p[n - 1].v);
}

/* The first scenario (runs.csv order) where model j served nothing for a
 * reason of its own (not the load generator running out of ports). */
static int first_break(const struct agg *a, int j)
{
	for (int i = 0; i < a->n_scenarios; i++) {
		const struct agg_cell *c = agg_cell(a, i, j);

		if (c->ok == 0 && c->failed > c->ports_out)
			return i;
	}
	return -1;
}

/* What comes before item k of n in "a", "a and b", "a, b and c". */
static const char *list_sep(int k, int n)
{
	if (k == 0)
		return "";
	return k == n - 1 ? " and " : ", ";
}

/* "a", "a and b", "a, b and c" for the models js[0..n) */
static void say_models(const struct agg *a, const int *js, int n, struct text *t)
{
	for (int k = 0; k < n; k++)
		say(t, "%s%s", list_sep(k, n), a->models[js[k]]);
}

/* Whether the batch notes of the models js[0..n) all read the same. */
static bool same_notes(const struct model_batch *mb, const int *js, int n)
{
	for (int k = 1; k < n; k++)
		if (strcmp(mb->note[js[k]], mb->note[js[0]]))
			return false;
	return true;
}

/* Where models stop serving: grouped by the first scenario each one
 * served nothing in, then the batches some did not finish. */
static void headline_breaks(const struct report_model *m, struct text *t)
{
	const struct agg *a = &m->agg;
	int at[a->n_models + 1], js[a->n_models + 1], groups = 0;

	for (int j = 0; j < a->n_models; j++)
		at[j] = first_break(a, j);
	for (int i = 0; i < a->n_scenarios; i++) {
		int n = 0;

		for (int j = 0; j < a->n_models; j++)
			if (at[j] == i)
				js[n++] = j;
		if (!n)
			continue;
		say(t, "%s", groups++ ? "; " : "Where models stop serving: ");
		say_models(a, js, n, t);
		say(t, " at %s (%s)", a->scenarios[i].name, agg_cell(a, i, js[0])->note);
	}
	say(t, "%s", groups ? ". " : "");
	for (int b = 0; b < m->n_batches; b++) {
		const struct model_batch *mb = &m->batches[b];
		int n = 0;

		for (int k = 0; k < mb->n; k++)
			if (mb->r[k].cut_off)
				js[n++] = k;
		if (!n)
			continue;
		say(t, "In the batch %.*s (hyperfine), ", (int)strlen(mb->file) - 11, mb->file + 6);
		for (int k = 0; k < n; k++) {
			say(t, "%s%s", list_sep(k, n), mb->r[js[k]].model);
			if (!same_notes(mb, js, n))
				say(t, " (%s)", mb->note[js[k]]);
		}
		say(t, " did not finish in time");
		if (same_notes(mb, js, n))
			say(t, ": %s%s", mb->note[js[0]], n > 1 ? " each" : "");
		say(t, ". ");
	}
}

/* Adds the sentence(s) written by one headline function, if any. */
static void headline_add(struct model_headline *h, struct text *t)
{
	while (t->used > 0 && t->buf[t->used - 1] == ' ')
		t->buf[--t->used] = '\0';
	if (t->used > 0)
		h->n++;
}

/* Push: at the most SSE subscribers (else the most of any style), how
 * many models held them all, and the lowest and highest p99 delivery
 * latency among those. */
static void headline_push(const struct agg *a, struct text *t)
{
	int iN = -1, n = 0;
	struct pick p[a->n_models + 1];

	for (int i = 0; i < a->n_scenarios; i++) {
		bool sse = !strcmp(desc(a, i)->subscribe, "sse");

		if (!agg_is_push(a, i) || !any_ok(a, i))
			continue;
		if (iN < 0 || (sse && strcmp(desc(a, iN)->subscribe, "sse")) ||
		    (sse == !strcmp(desc(a, iN)->subscribe, "sse") &&
		     desc(a, i)->connections > desc(a, iN)->connections))
			iN = i;
	}
	if (iN < 0)
		return;
	for (int j = 0; j < a->n_models; j++)
		if (push_held(a, iN, j) && !isnan(med(a, iN, j, MET_DELIVERY_P99)))
			p[n++] = (struct pick){.j = j, .v = med(a, iN, j, MET_DELIVERY_P99)};
	qsort(p, n, sizeof(p[0]), by_value_desc);
	say(t, "Push at %.0f %s subscribers (%s): ", desc(a, iN)->connections,
	    desc(a, iN)->subscribe, a->scenarios[iN].name);
	if (n == 0) {
		say(t, "no model held them all.");
		return;
	}
	say(t, "%d model%s held them all; the lowest p99 delivery latency: %s, %.3g ms", n,
	    n > 1 ? "s" : "", a->models[p[n - 1].j], p[n - 1].v / 1000);
	if (n > 1)
		say(t, "; the highest: %s, %.3g ms", a->models[p[0].j], p[0].v / 1000);
	say(t, ".");
}

void caption_headline(const struct report_model *m, struct model_headline *h)
{
	const struct agg *a = &m->agg;
	int i = headline_scenario(m);

	h->n = 0;
	for (int k = 0; k < 6 && h->n < MODEL_HEADLINE_MAX; k++) {
		struct text t = {.buf = h->said[h->n], .size = sizeof(h->said[0]), .used = 0};

		t.buf[0] = '\0';
		if (k == 0 && i >= 0)
			headline_rps(m, i, &t);
		else if (k == 1 && i >= 0)
			headline_low_high(a, i, MET_P99, true, "The lowest p99 latency",
					  "the highest", 1e-3, "ms", &t);
		else if (k == 2 && i >= 0)
			headline_low_high(a, i, MET_CPU, false, "The least server CPU per request",
					  "the most", 1, "µs", &t);
		else if (k == 3)
			headline_memory(m, &t);
		else if (k == 4)
			headline_breaks(m, &t);
		else if (k == 5)
			headline_push(a, &t);
		headline_add(h, &t);
	}
}
