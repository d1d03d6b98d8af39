/*
 * report.c - the summary for people, in wrk's layout, and the --hgrm file.
 *
 * Lines appear only when they have something to say (wrk prints "Socket
 * errors" only when there were some), and the last two lines are always
 * wrk's "Requests/sec:" and "Transfer/sec:", so scripts written for wrk
 * read our output unchanged.
 */
#include "loadgen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* 850.00us, 12.34ms, 1.50s: wrk's way of printing a time. */
static const char *fmt_us(char *buf, double us)
{
	if (us < 1000)
		snprintf(buf, 32, "%.2fus", us);
	else if (us < 1e6)
		snprintf(buf, 32, "%.2fms", us / 1e3);
	else
		snprintf(buf, 32, "%.2fs", us / 1e6);
	return buf;
}

/* 1.50MB: binary units, as wrk. */
static const char *fmt_bytes(char *buf, double bytes)
{
	static const char *units[] = {"B", "KB", "MB", "GB", "TB"};
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.2f%s", bytes, units[u]);
	return buf;
}

static void print_header(FILE *f, const struct lg_config *cfg)
{
	char t[32];

	if (cfg->requests)
		fprintf(f, "Running %llu requests @ %s\n", (unsigned long long)cfg->requests,
			cfg->url);
	else
		fprintf(f, "Running %s test @ %s\n", fmt_us(t, (double)cfg->duration_us), cfg->url);
	fprintf(f, "  %d threads and %d connections, %s, %s loop", cfg->threads, cfg->connections,
		lg_proto_name(cfg->proto), cfg->rate ? "open" : "closed");
	if (cfg->rate)
		fprintf(f, " at %.0f requests/s", cfg->rate);
	if (cfg->pipeline > 1)
		fprintf(f, ", pipeline %d", cfg->pipeline);
	fprintf(f, "%s, %s engine", cfg->keepalive ? "" : ", a connection per request",
		lg_engine_name(cfg->engine));
	if (cfg->batch_us)
		fprintf(f, ", batches of up to %d us", cfg->batch_us);
	fputc('\n', f);
}

/* "Latency   1.20ms  300.00us  12.00ms   90.00%", wrk's Thread Stats line. */
static void print_stats_line(FILE *f, const char *name, const struct hist *h)
{
	char a[32], b[32], c[32];

	fprintf(f, "    %-9s %9s %9s %9s %8.2f%%\n", name, fmt_us(a, hist_mean(h)),
		fmt_us(b, hist_stdev(h)), fmt_us(c, (double)h->max), 100 * hist_within_stdev(h));
}

static void print_distribution(FILE *f, const char *title, const struct hist *h)
{
	static const double ps[] = {50, 75, 90, 99, 99.9, 99.99};
	static const char *names[] = {"50%", "75%", "90%", "99%", "99.9%", "99.99%"};
	char t[32];

	fprintf(f, "  %s\n", title);
	for (int i = 0; i < 6; i++)
		fprintf(f, "  %7s  %s\n", names[i], fmt_us(t, (double)hist_percentile(h, ps[i])));
	fprintf(f, "  %7s  %s\n", "max", fmt_us(t, (double)h->max));
}

static void print_latency(FILE *f, const struct lg_config *cfg, const struct lg_summary *s)
{
	const struct lg_result *r = &s->total;

	fprintf(f, "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
	print_stats_line(f, "Latency", r->latency);
	if (r->uncorrected)
		print_stats_line(f, "Uncorr.", r->uncorrected);
	if (r->ttfb->total)
		print_stats_line(f, "TTFB", r->ttfb);
	if (r->connect->total)
		print_stats_line(f, "Connect", r->connect);
	if (!cfg->latency)
		return;
	print_distribution(f,
			   cfg->rate ? "Latency Distribution (from intended send time)"
				     : "Latency Distribution",
			   r->latency);
	if (r->uncorrected)
		print_distribution(f, "Uncorrected Latency (from actual send time)",
				   r->uncorrected);
}

static void print_errors(FILE *f, const struct lg_summary *s)
{
	const struct lg_result *r = &s->total;
	const uint64_t *e = r->errors;
	uint64_t bad_status = r->status[0] + r->status[1] + r->status[4] + r->status[5];

	if (e[LG_ERR_CONNECT] || e[LG_ERR_READ] || e[LG_ERR_WRITE] || e[LG_ERR_TIMEOUT])
		fprintf(f, "  Socket errors: connect %llu, read %llu, write %llu, timeout %llu\n",
			(unsigned long long)e[LG_ERR_CONNECT], (unsigned long long)e[LG_ERR_READ],
			(unsigned long long)e[LG_ERR_WRITE], (unsigned long long)e[LG_ERR_TIMEOUT]);
	if (e[LG_ERR_CONNECT]) {
		fprintf(f, "  Connect errors:");
		for (int i = 0; i < LG_MAX_ERRNO; i++)
			if (r->connect_errno[i])
				fprintf(f, " %s %llu", i ? strerrorname_np(i) : "other",
					(unsigned long long)r->connect_errno[i]);
		fprintf(f, "%s\n",
			r->connect_errno[EADDRNOTAVAIL]
			    ? " (EADDRNOTAVAIL: ephemeral ports exhausted)"
			    : "");
	}
	if (e[LG_ERR_BAD_RESPONSE] || e[LG_ERR_CLOSED])
		fprintf(f, "  Bad responses: %llu, closed by peer: %llu\n",
			(unsigned long long)e[LG_ERR_BAD_RESPONSE],
			(unsigned long long)e[LG_ERR_CLOSED]);
	if (bad_status)
		fprintf(f, "  Non-2xx or 3xx responses: %llu\n", (unsigned long long)bad_status);
}

static void print_run_facts(FILE *f, const struct lg_config *cfg, const struct lg_summary *s)
{
	char t[32], b[32];

	fprintf(f, "  %llu requests in %s, %s read\n", (unsigned long long)s->total.completed,
		fmt_us(t, s->duration_s * 1e6), fmt_bytes(b, (double)s->total.bytes_read));
	if (cfg->idle)
		fprintf(f, "  Idle connections: %d of %d established, %d still open at the end\n",
			s->idle_established, s->idle_wanted, s->idle_alive);
	fprintf(f, "  Client CPU: %.2fs, %.0f requests per CPU-second\n", s->cpu_s,
		s->cpu_s > 0 ? (double)s->total.completed / s->cpu_s : 0);
	if (cfg->rate && !report_rate_achieved(cfg, s))
		fprintf(f,
			"  WARNING: achieved %.1f requests/s, below 99%% of -R %.0f: "
			"the server (or this client) could not keep up\n",
			s->duration_s > 0 ? (double)s->total.completed / s->duration_s : 0,
			cfg->rate);
}

bool report_rate_achieved(const struct lg_config *cfg, const struct lg_summary *s)
{
	return s->duration_s > 0 && (double)s->total.completed / s->duration_s >= 0.99 * cfg->rate;
}

/* --subscribe: the same layout, with events where requests would be. */
static void print_push(FILE *f, const struct lg_config *cfg, const struct lg_summary *s)
{
	static const char *styles[] = {"", "long polling", "server-sent events", "WebSocket"};
	const struct lg_push *p = &s->push;
	char t[32], b[32];

	fprintf(f, "Running %s push test @ %s\n", fmt_us(t, (double)cfg->duration_us), cfg->url);
	fprintf(f, "  %d threads and %d subscribers, %s\n", cfg->threads, cfg->connections,
		styles[cfg->subscribe]);
	fprintf(f, "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
	print_stats_line(f, "Delivery", p->delivery);
	if (s->total.connect->total)
		print_stats_line(f, "Connect", s->total.connect);
	if (cfg->latency)
		print_distribution(f, "Delivery Latency Distribution (publish to arrival)",
				   p->delivery);
	fprintf(f, "  %llu events in %s, %s read\n", (unsigned long long)p->events,
		fmt_us(t, s->duration_s * 1e6), fmt_bytes(b, (double)s->total.bytes_read));
	fprintf(f, "  Subscribers: %llu of %d subscribed, %llu holding at the end\n",
		(unsigned long long)p->subscribed, cfg->connections,
		(unsigned long long)p->held_end);
	fprintf(f, "  Missed events: %llu, reconnects: %llu%s\n", (unsigned long long)p->missed,
		(unsigned long long)p->reconnects, p->duplicates ? " (and duplicates)" : "");
	fprintf(f, "  Client CPU: %.2fs\n", s->cpu_s);
}

void report_text(FILE *f, const struct lg_config *cfg, const struct lg_summary *s)
{
	double secs = s->duration_s > 0 ? s->duration_s : 1;
	char t[32];

	if (cfg->subscribe) {
		print_push(f, cfg, s);
		print_errors(f, s);
		fprintf(f, "Events/sec: %11.2f\n", (double)s->push.events / secs);
		fprintf(f, "Transfer/sec: %10s\n",
			fmt_bytes(t, (double)s->total.bytes_read / secs));
		return;
	}
	print_header(f, cfg);
	print_latency(f, cfg, s);
	print_run_facts(f, cfg, s);
	print_errors(f, s);
	fprintf(f, "Requests/sec: %9.2f\n", (double)s->total.completed / secs);
	fprintf(f, "Transfer/sec: %10s\n", fmt_bytes(t, (double)s->total.bytes_read / secs));
}

static int write_hgrm(FILE *f, void *arg)
{
	return hist_print_classic(arg, f, 5, 1000.0);
}

int report_hgrm(const char *path, const struct lg_summary *s)
{
	return lg_write_atomic(path, write_hgrm,
			       s->push.delivery ? s->push.delivery : s->total.latency);
}

int lg_write_atomic(const char *path, int (*write)(FILE *f, void *arg), void *arg)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	rc = write(f, arg);
	/* On disk before the rename: after a crash the name holds the old
	 * file or the whole new one, never an empty one. */
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
	}
	return rc;
}
