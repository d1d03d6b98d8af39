/*
 * progress.c - progress line and ETA.
 *
 * The ETA scales the planned length of the remaining runs by how long the
 * runs so far really took relative to their plan (start-up, stop and
 * report time included), so it corrects itself as the suite goes on.
 */
#include <stdio.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/progress.h"

void progress_start(struct progress *p, int total, double planned_s)
{
	p->total = total;
	p->done = 0;
	p->started = sys_now();
	p->planned_s = planned_s;
	p->done_planned_s = 0;
	p->tty = isatty(STDERR_FILENO);
}

static void clock_text(char *buf, size_t size, double s)
{
	int t = (int)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, size, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%d:%02d", t / 60, t % 60);
}

void progress_show(struct progress *p, const char *what)
{
	double elapsed = sys_now() - p->started, remaining = p->planned_s;
	char el[16], eta[16];

	/* Before any run has finished, assume 0.5 s of overhead per run. */
	if (p->done_planned_s > 0)
		remaining *= elapsed / p->done_planned_s;
	else
		remaining += 0.5 * (p->total - p->done);
	clock_text(el, sizeof(el), elapsed);
	clock_text(eta, sizeof(eta), remaining);
	fprintf(stderr, "%s[%*d/%d] %-40s elapsed %s  ETA %s%s", p->tty ? "\r\033[K" : "",
		p->total >= 100 ? 3 : 2, p->done + 1, p->total, what, el, eta, p->tty ? "" : "\n");
	fflush(stderr);
}

void progress_step(struct progress *p, double planned_s)
{
	p->done++;
	p->done_planned_s += planned_s;
	p->planned_s -= planned_s;
	if (p->planned_s < 0)
		p->planned_s = 0;
}

void progress_end(struct progress *p)
{
	if (p->tty)
		fputc('\n', stderr);
}
