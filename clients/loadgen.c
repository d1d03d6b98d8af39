/*
 * loadgen.c - main: parse the options, open the idle connections, run one
 * worker thread per -t, add up what they measured, report.
 *
 * See clients/README.md for usage and for what every figure means.
 * lg_measure() is the whole measurement, shared with agent mode
 * (agent.c), which gets its options from the coordinator instead of argv.
 */
#include "loadgen.h"
#include "process.h"
#include "subscriber.h"
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Runs the workers; returns them (joined) for their results. */
static struct worker **run_workers(const struct lg_config *cfg, const struct lg_target *tgt,
				   struct lg_clock *clk)
{
	struct worker **ws = calloc((size_t)cfg->threads, sizeof(*ws));
	pthread_t *tids = calloc((size_t)cfg->threads, sizeof(*tids));
	int first = 0;

	if (!ws || !tids)
		lg_die("out of memory");
	clk->start_us = lg_now_us();
	clk->measure_us = clk->start_us + cfg->warmup_us;
	clk->stop_us = cfg->duration_us ? clk->measure_us + cfg->duration_us : 0;
	for (int t = 0; t < cfg->threads; t++) {
		int count = cfg->connections / cfg->threads + (t < cfg->connections % cfg->threads);

		ws[t] = worker_new(cfg, tgt, clk, first, count);
		first += count;
	}
	for (int t = 0; t < cfg->threads; t++)
		if ((errno = pthread_create(&tids[t], NULL, worker_run, ws[t])))
			lg_die("pthread_create: %s", strerror(errno));
	for (int t = 0; t < cfg->threads; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	return ws;
}

void lg_result_add(struct lg_result *sum, const struct lg_result *r)
{
	sum->responses += r->responses;
	sum->completed += r->completed;
	sum->warmup += r->warmup;
	sum->bytes_read += r->bytes_read;
	sum->bytes_written += r->bytes_written;
	sum->connections += r->connections;
	for (int i = 0; i < LG_ERR_COUNT; i++)
		sum->errors[i] += r->errors[i];
	for (int i = 0; i < LG_MAX_ERRNO; i++)
		sum->connect_errno[i] += r->connect_errno[i];
	for (int i = 0; i < 6; i++)
		sum->status[i] += r->status[i];
	if (r->end_us > sum->end_us)
		sum->end_us = r->end_us;
	hist_merge(sum->latency, r->latency);
	hist_merge(sum->connect, r->connect);
	hist_merge(sum->ttfb, r->ttfb);
	if (r->uncorrected)
		hist_merge(sum->uncorrected, r->uncorrected);
	for (size_t i = 0; i < r->timeline_len && i < sum->timeline_len; i++)
		sum->timeline[i] += r->timeline[i];
}

/* Adds up the threads' results.  The timeline is cut after the last
 * second that saw a completion. */
static void merge(struct lg_summary *s, const struct lg_config *cfg, struct worker **ws)
{
	struct lg_result *sum = &s->total;
	size_t len = 0;

	sum->latency = hist_new();
	sum->connect = hist_new();
	sum->ttfb = hist_new();
	sum->uncorrected = cfg->rate ? hist_new() : NULL;
	for (int t = 0; t < cfg->threads; t++)
		if (worker_result(ws[t])->timeline_len > len)
			len = worker_result(ws[t])->timeline_len;
	sum->timeline = calloc(len ? len : 1, sizeof(uint64_t));
	sum->timeline_len = len;
	if (!sum->latency || !sum->connect || !sum->ttfb || !sum->timeline ||
	    (cfg->rate && !sum->uncorrected))
		lg_die("out of memory");
	for (int t = 0; t < cfg->threads; t++)
		lg_result_add(sum, worker_result(ws[t]));
	while (sum->timeline_len && sum->timeline[sum->timeline_len - 1] == 0)
		sum->timeline_len--;
}

/* The measured phase runs from the end of warm-up to the last answer or
 * error, and at least to the end of -d. */
static double measured_seconds(const struct lg_clock *clk, uint64_t end_us)
{
	if (clk->stop_us > end_us)
		end_us = clk->stop_us;
	return end_us > clk->measure_us ? (end_us - clk->measure_us) / 1e6 : 0;
}

/* Non-zero when there is nothing to measure: the figures would lie. */
static int exit_status(const struct lg_config *cfg, const struct lg_summary *s)
{
	if (s->total.connections == 0) {
		fprintf(stderr, "loadgen: no connection could be made\n");
		return 1;
	}
	if (cfg->subscribe && s->push.events == 0) {
		fprintf(stderr, "loadgen: no event was received\n");
		return 1;
	}
	if (!cfg->subscribe && s->total.completed == 0) {
		fprintf(stderr, "loadgen: no request succeeded\n");
		return 1;
	}
	return 0;
}

void lg_summary_free(struct lg_summary *s)
{
	hist_free(s->total.latency);
	hist_free(s->total.connect);
	hist_free(s->total.ttfb);
	hist_free(s->total.uncorrected);
	hist_free(s->push.delivery);
	free(s->total.timeline);
}

static void write_outputs(const struct lg_config *cfg, const struct lg_summary *s)
{
	report_text(stdout, cfg, s);
	fflush(stdout);
	if (cfg->json_path && json_write(cfg->json_path, cfg, s) < 0)
		lg_die("cannot write %s: %s", cfg->json_path, strerror(errno));
	if (cfg->hgrm_path && report_hgrm(cfg->hgrm_path, s) < 0)
		lg_die("cannot write %s: %s", cfg->hgrm_path, strerror(errno));
}

void lg_measure(const struct lg_config *cfg, const struct lg_target *tgt, struct lg_summary *sum)
{
	struct lg_clock clk;
	struct lg_idle idle;
	struct worker **ws;
	double cpu0;

	*sum = (struct lg_summary){0};
	idle_open(&idle, cfg, tgt);
	cpu0 = cpu_seconds();
	if (cfg->subscribe) {
		/* Push subscribers: their own loop, their own figures. */
		subscribers_run(cfg, tgt, &clk, sum);
		idle_close(&idle); /* none: --subscribe excludes --idle */
		sum->cpu_s = cpu_seconds() - cpu0;
		sum->duration_s = measured_seconds(&clk, sum->total.end_us);
		return;
	}
	ws = run_workers(cfg, tgt, &clk);
	sum->cpu_s = cpu_seconds() - cpu0;
	sum->idle_wanted = idle.wanted;
	sum->idle_established = idle.established;
	sum->idle_alive = idle_alive(&idle);
	idle_close(&idle);
	merge(sum, cfg, ws);
	sum->duration_s = measured_seconds(&clk, sum->total.end_us);
	for (int t = 0; t < cfg->threads; t++)
		worker_free(ws[t]);
	free(ws);
}

int main(int argc, char **argv)
{
	struct lg_config cfg;
	struct lg_target tgt;
	struct lg_summary sum;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--agent") == 0)
		return agent_main(); /* agent.c: commands come on stdin */
	options_parse(&cfg, argc, argv);
	lg_setup_process();
	target_init(&tgt, &cfg);
	lg_measure(&cfg, &tgt, &sum);
	write_outputs(&cfg, &sum);
	rc = exit_status(&cfg, &sum);
	lg_summary_free(&sum);
	target_free(&tgt);
	options_free(&cfg);
	return rc;
}
