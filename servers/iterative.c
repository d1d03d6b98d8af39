/*
 * iterative - accept one connection, serve it to the end, then the next.
 *
 * The first server in every networking textbook: one process, blocking
 * calls, no concurrency at all.  While it serves one client, every other
 * client waits in the listen backlog -- so a single slow or idle client
 * (keep-alive!) blocks everyone.  Good at: being obviously correct, and as
 * the baseline the other models are measured against.  Breaks at: more than
 * one client.  By design it serves one connection at a time; it is excused
 * from the concurrency tests.  Server push shows it at its worst: an SSE or
 * WebSocket subscriber holds the server until it leaves (its close is seen
 * at the next event written), a held long poll until its answer, and a
 * subscriber that never reads blocks it in write() until it closes.  It
 * does not crash; everyone else waits in the backlog.
 *
 * Concurrency: none
 */
#include <errno.h>

#include "blocking.h"
#include "net.h"
#include "server.h"
#include "sig.h"

static int serve(int listen_fd, const struct server_config *cfg)
{
	while (!sig_stopping()) {
		int fd = net_accept_blocking(listen_fd);
		if (fd >= 0)
			conn_serve_blocking(fd, cfg, &blocking_io_os);
	}
	return 0;
}

const struct model model = {
    .name = "iterative",
    .about = "one connection at a time, blocking calls (the baseline)",
    .serve = serve,
};
