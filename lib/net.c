/*
 * net.c - listening sockets, accept and the socket options every model shares.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sig.h"
#include "stats.h"
#include "util.h"

/* A descriptor held in reserve, so that accept() can still take (and close)
 * a connection when the process has run out of descriptors. */
static int spare_fd = -1;

/* Shedding closes the spare and takes the lowest free descriptor back with
 * accept(): another thread's accept() in between would steal it, the spare
 * could not be reopened, and that thread would never shed again -- it would
 * hold the stolen connection and then spin on a listening socket that stays
 * readable.  So accept() runs under the read side of this lock and shedding
 * under the write side. */
static pthread_rwlock_t spare_lock = PTHREAD_RWLOCK_INITIALIZER;

void net_init(void)
{
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int net_listen(const char *host, int port, int backlog, bool reuseport)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	char service[16];
	int fd = -1, one = 1, rc;

	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		errno = rc == EAI_SYSTEM ? errno : EINVAL;
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out_free;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto out_close_fd;
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0)
		goto out_close_fd;
	freeaddrinfo(res);
	return fd;

out_close_fd:
	rc = errno;
	close(fd);
	errno = rc;
	fd = -1;
out_free:
	freeaddrinfo(res);
	return fd;
}

void net_local_name(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
			snprintf(out, outlen, "[%s]:%d", host, port);
			return;
		}
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	snprintf(out, outlen, "%s:%d", host, port);
}

int net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int net_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Out of descriptors: accept the waiting connection on the spare descriptor
 * and close it, so the client learns at once and the listening socket stops
 * being readable.  The classic trick from libev and nginx.  Returns 1 if a
 * connection was shed, 0 if none was waiting (accept() reports EMFILE before
 * it looks at the queue, and a blocking listening socket must not block here). */
static int shed_connection(int listen_fd)
{
	static struct log_limit log_limit; /* under spare_lock */
	struct pollfd pending = {.fd = listen_fd, .events = POLLIN};
	int shed = 0;

	pthread_rwlock_wrlock(&spare_lock);
	if (spare_fd < 0) /* lost earlier: take one back if any is free now */
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (spare_fd >= 0 && poll(&pending, 1, 0) == 1) {
		close(spare_fd);
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			stats_add(STAT_REFUSED, 1);
			shed = 1;
		}
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (shed)
		log_every(&log_limit, 1000000,
			  "accept: out of descriptors; closing new connections");
	pthread_rwlock_unlock(&spare_lock);
	return shed;
}

void net_accepted(int fd)
{
	int one = 1;

	/* Responses are small and written whole: send them now, not after an ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	stats_add(STAT_CONNECTIONS, 1);
}

int net_accept(int listen_fd, bool nonblock)
{
	int fd;

	pthread_rwlock_rdlock(&spare_lock);
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	pthread_rwlock_unlock(&spare_lock);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			errno = shed_connection(listen_fd) ? EMFILE : EAGAIN;
		return -1;
	}
	net_accepted(fd);
	return fd;
}

int net_accept_batch(int listen_fd, bool past_errors, void (*take)(void *arg, int fd), void *arg)
{
	for (int i = 0; i < NET_ACCEPT_BATCH; i++) {
		int fd = net_accept(listen_fd, true);
		if (fd >= 0)
			take(arg, fd);
		else if (!past_errors || errno == EAGAIN)
			return 0;
	}
	return 1;
}

int net_accept_blocking(int listen_fd)
{
	/* Wait on the stop pipe too: a signal that lands just before a blocking
	 * accept() would otherwise go unnoticed until the next client. */
	struct pollfd fds[2] = {{.fd = listen_fd, .events = POLLIN},
				{.fd = sig_fd(), .events = POLLIN}};

	if (poll(fds, 2, -1) < 0)
		return -1;
	if (sig_stopping() || fds[1].revents) {
		errno = EINTR;
		return -1;
	}
	return net_accept(listen_fd, false);
}
