/*
 * prefork - N worker processes share one listening socket; each serves one
 * connection at a time.
 *
 * Apache's original model: the parent forks the workers up front (fork is
 * too slow to do per connection), each worker blocks in accept() on the same
 * socket, and the kernel hands each new connection to one of them.  The
 * parent only reaps workers and starts replacements, so a crashing worker
 * takes down one connection, not the server.  Good at: isolation, using
 * every core with no locks.  Breaks at: more simultaneous connections than
 * workers -- a keep-alive client occupies a whole process, the rest wait in
 * the backlog -- and memory, a process per connection.  (Historically,
 * waking every worker on each connection was the "thundering herd"; Linux
 * wakes one blocked accept() since 2.6.)
 *
 * Concurrency: one connection per worker
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocking.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

/* How often the parent checks on its workers. */
#define REAP_INTERVAL_MS 100

static pid_t start_worker(int listen_fd, const struct server_config *cfg)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid; /* the parent, or -1 */
	while (!sig_stopping()) {
		int fd = net_accept_blocking(listen_fd);
		if (fd >= 0)
			conn_serve_blocking(fd, cfg, &blocking_io_os);
	}
	_exit(0); /* not exit(): the parent's stdio buffers are not ours */
}

/* Reaps exited workers and starts replacements while not stopping. */
static void reap_and_respawn(pid_t *pids, int n, int listen_fd, const struct server_config *cfg)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = sig_stopping() ? 0 : start_worker(listen_fd, cfg);
			if (pids[i] < 0) {
				log_msg("fork: %s", strerror(errno));
				pids[i] = 0;
			}
		}
	}
}

static void stop_workers(pid_t *pids, int n)
{
	uint64_t end = util_now_us() + 900000;
	int left;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	do {
		left = 0;
		for (int i = 0; i < n; i++) {
			if (pids[i] > 0 && waitpid(pids[i], NULL, WNOHANG) == 0)
				left++;
			else
				pids[i] = 0;
		}
		if (left)
			usleep(10000);
	} while (left && util_now_us() < end);
	for (int i = 0; i < n; i++) { /* stuck past the deadline */
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	}
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	int n = cfg->workers;
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	struct pollfd stop = {.fd = sig_fd(), .events = POLLIN};

	if (pids == NULL)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		pids[i] = start_worker(listen_fd, cfg);
		if (pids[i] < 0)
			die("fork worker %d: %s", i, strerror(errno));
	}
	while (!sig_stopping()) {
		poll(&stop, 1, REAP_INTERVAL_MS);
		reap_and_respawn(pids, n, listen_fd, cfg);
	}
	stop_workers(pids, n);
	free(pids);
	return 0;
}

const struct model model = {
    .name = "prefork",
    .about = "N worker processes, each serving one connection at a time",
    .default_workers = 16,
    .serve = serve,
};
