/*
 * idle.c - --idle N: extra connections that stay open and silent for the
 * whole run (the C10K experiments: what do 10,000 idle clients cost the
 * server, and does it still serve the active ones?).
 *
 * They are opened before the run, at most IDLE_BATCH connects in progress
 * at once (a server's listen backlog is finite; flooding it only makes SYNs
 * wait for retransmission), each bounded by --timeout.  A connect that
 * completes is "established"; at the end we look again, since a server may
 * have accepted and then dropped some (a select() server past FD_SETSIZE,
 * an idle timeout).
 */
#include "loadgen.h"
#include "process.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define IDLE_BATCH 256

/* Starts a non-blocking connect; returns the descriptor or -1. */
static int start_connect(const struct lg_target *t, int epfd, int slot)
{
	int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)slot};

	if (fd < 0)
		return -1;
	if ((connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits for the connects in progress; keeps the ones that succeed. */
static void finish_batch(struct lg_idle *idle, int epfd, int *fds, int n, uint64_t deadline)
{
	struct epoll_event ev[IDLE_BATCH];
	int pending = n;

	while (pending > 0) {
		uint64_t now = lg_now_us();
		int ready = now >= deadline ? 0
					    : epoll_wait(epfd, ev, IDLE_BATCH,
							 (int)((deadline - now) / 1000) + 1);

		if (ready <= 0 && (ready == 0 || errno != EINTR))
			break;
		for (int i = 0; i < ready; i++) {
			int slot = (int)ev[i].data.u32, err = 0;
			socklen_t len = sizeof(err);

			getsockopt(fds[slot], SOL_SOCKET, SO_ERROR, &err, &len);
			epoll_ctl(epfd, EPOLL_CTL_DEL, fds[slot], NULL);
			if (err == 0)
				idle->fds[idle->established++] = fds[slot];
			else
				close(fds[slot]);
			fds[slot] = -1;
			pending--;
		}
	}
	for (int i = 0; i < n; i++) /* timed out */
		if (fds[i] >= 0)
			close(fds[i]);
}

void idle_open(struct lg_idle *idle, const struct lg_config *cfg, const struct lg_target *t)
{
	int fds[IDLE_BATCH], epfd = epoll_create1(EPOLL_CLOEXEC);

	idle->wanted = cfg->idle;
	idle->established = 0;
	idle->fds = calloc((size_t)(cfg->idle ? cfg->idle : 1), sizeof(int));
	if (epfd < 0 || !idle->fds)
		lg_die("idle connections: %s", strerror(errno));
	for (int done = 0; done < cfg->idle;) {
		int n = cfg->idle - done < IDLE_BATCH ? cfg->idle - done : IDLE_BATCH;

		for (int i = 0; i < n; i++)
			fds[i] = start_connect(t, epfd, i);
		finish_batch(idle, epfd, fds, n, lg_now_us() + cfg->timeout_us);
		done += n;
	}
	close(epfd);
}

int idle_alive(const struct lg_idle *idle)
{
	int alive = 0;
	char byte;

	for (int i = 0; i < idle->established; i++) {
		ssize_t n = recv(idle->fds[i], &byte, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			alive++;
	}
	return alive;
}

void idle_close(struct lg_idle *idle)
{
	for (int i = 0; i < idle->established; i++)
		close(idle->fds[i]);
	free(idle->fds);
	idle->fds = NULL;
}
