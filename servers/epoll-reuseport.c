/*
 * epoll-reuseport - one epoll reactor per worker thread, each with its own
 * SO_REUSEPORT listening socket: the nginx-style multi-reactor.
 *
 * Every worker runs the same single-threaded loop as the epoll model on its
 * own listening socket bound to the same port; the kernel spreads incoming
 * connections across the sockets by a hash of the address, so workers share
 * nothing -- no locks, no thundering herd.  Good at: using every core with
 * event-loop efficiency (--workers defaults to one per core).  Breaks when:
 * the hash balances connections badly (few long-lived connections can land
 * on one worker while another idles), and, like any event loop, when a
 * handler blocks: it stalls every connection of its worker.
 *
 * Every worker's epoll instance is made here, before any worker starts: the
 * sockets already listen, and a worker that accepted first could otherwise
 * take the last descriptor and leave a later worker unable to start its
 * loop, with its socket's clients waiting for ever.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "reactor.h"
#include "server.h"
#include "sig.h"
#include "util.h"

struct worker {
	pthread_t tid;
	int listen_fd;
	void *poller_state; /* made before any worker runs */
	const struct server_config *cfg;
};

static void *worker_loop(void *arg)
{
	struct worker *w = arg;

	reactor_run_on(w->poller_state, w->listen_fd, w->cfg, &reactor_epoll);
	return NULL;
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	int n = cfg->workers > 0 ? cfg->workers : 1, port = net_local_port(listen_fd);
	struct worker *w = calloc((size_t)n, sizeof(*w));
	sigset_t old;

	if (w == NULL)
		die("out of memory");
	/* Worker 0 is this thread, on main's socket; the others get their own. */
	for (int i = 0; i < n; i++) {
		w[i].cfg = cfg;
		w[i].listen_fd =
		    i == 0 ? listen_fd : net_listen(cfg->host, port, cfg->backlog, true);
		if (w[i].listen_fd < 0)
			die("listen (SO_REUSEPORT) on port %d: %s", port, strerror(errno));
		if ((w[i].poller_state = reactor_epoll.create()) == NULL)
			die("cannot start worker %d's event loop: %s", i, strerror(errno));
	}
	/* Stop signals go to this thread; the others see sig_fd() in their loops. */
	sig_block_stop(&old);
	for (int i = 1; i < n; i++)
		if (pthread_create(&w[i].tid, NULL, worker_loop, &w[i]) != 0)
			die("pthread_create worker %d", i);
	sig_restore(&old);

	worker_loop(&w[0]);
	for (int i = 1; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		close(w[i].listen_fd);
	}
	free(w);
	return 0;
}

const struct model model = {
    .name = "epoll-reuseport",
    .about = "one epoll reactor per core, each with its own SO_REUSEPORT socket",
    .default_workers = MODEL_WORKERS_PER_CORE,
    .flags = MODEL_REUSEPORT,
    .serve = serve,
};
