/*
 * sig.c - SIGTERM/SIGINT set a flag and wake a self-pipe; SIGPIPE is ignored;
 * threads other than the one that waits for a stop can keep them blocked.
 */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Written by the handler in whichever thread took the signal and read by
 * every thread: an atomic, which is also safe inside a signal handler. */
static int stopping;
static int pipe_fds[2] = {-1, -1};
/* SIGTERM and SIGINT, for sig_block_stop(); filled once by sig_init(), so
 * blocking them around each pthread_create() costs one system call. */
static sigset_t stop_signals;

static void on_stop(int signo)
{
	int saved = errno;
	char byte = 1;

	(void)signo;
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	/* The pipe is non-blocking: if it is already full we are already awake. */
	if (write(pipe_fds[1], &byte, 1) < 0) {
		/* nothing to do */
	}
	errno = saved;
}

void sig_init(void)
{
	struct sigaction sa;

	if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) < 0)
		die("pipe2: %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls must see EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);

	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

bool sig_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_RELAXED) != 0;
}

int sig_fd(void)
{
	return pipe_fds[0];
}

void sig_block_stop(sigset_t *old)
{
	pthread_sigmask(SIG_BLOCK, &stop_signals, old);
}

void sig_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
