/*
 * process.c - process-wide state: lg_die(), the lg_stopping flag and the
 * signal and descriptor-limit set-up that goes with it (see process.h).
 */
#include "process.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

volatile int lg_stopping;

void lg_die(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "loadgen: %s\n", line);
	exit(1);
}

static void on_signal(int sig)
{
	(void)sig;
	lg_stopping = 1;
}

void lg_setup_process(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
