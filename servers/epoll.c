/*
 * epoll - one thread, one loop, epoll: the kernel keeps the interest list.
 *
 * Linux's answer to select and poll (2.5.44, 2002): descriptors are
 * registered once with epoll_ctl(), and epoll_wait() returns only those that
 * are ready, so a call costs the same with ten idle connections or ten
 * thousand.  This is the reactor inside nginx, Redis and libuv.  Good at:
 * many connections, little memory each.  Breaks when: a request needs real
 * CPU work (one thread uses one core) or a handler blocks (everyone waits).
 *
 * The event loop is shared (lib/reactor.c), and so is the epoll backend
 * (lib/reactor_epoll.c, which epoll-reuseport uses too): read it beside
 * servers/select.c and servers/poll.c, which hold their own backends.
 */
#include "reactor.h"
#include "server.h"

static int serve(int listen_fd, const struct server_config *cfg)
{
	return reactor_run(listen_fd, cfg, &reactor_epoll);
}

const struct model model = {
    .name = "epoll",
    .about = "one thread, epoll: only ready connections are returned",
    .serve = serve,
};
