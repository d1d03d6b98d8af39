/*
 * thread-per-conn - the acceptor starts a new thread for every connection.
 *
 * The model of classic Java servers and of CS:APP's echo server: each thread
 * runs plain blocking code, and the kernel's scheduler is the event loop.
 * Good at: simple code, using every core, and slow backends (a sleeping
 * thread costs no CPU).  Breaks at: many connections -- every thread has a
 * stack (8 MiB reserved, a few pages touched), a kernel task and a scheduler
 * entry, and creating one per connection costs a clone() each time.  When
 * the system will not give another thread (EAGAIN) the connection is closed
 * and counted as refused; the server lives on.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "blocking.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

static const struct server_config *config;

static void *conn_thread(void *arg)
{
	conn_serve_blocking((int)(intptr_t)arg, config, &blocking_io_os);
	return NULL;
}

static void start_thread(int fd, const pthread_attr_t *attr)
{
	static struct log_limit log_limit;
	pthread_t tid;
	int err = pthread_create(&tid, attr, conn_thread, (void *)(intptr_t)fd);

	if (err == 0)
		return;
	close(fd);
	stats_add(STAT_REFUSED, 1);
	log_every(&log_limit, 1000000, "pthread_create: %s; closing the connection", strerror(err));
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	pthread_attr_t attr;
	sigset_t old;

	config = cfg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!sig_stopping()) {
		int fd = net_accept_blocking(listen_fd);
		if (fd < 0)
			continue;
		/* The new thread must never take a stop signal: it goes to this
		 * acceptor, which is waiting for it. */
		sig_block_stop(&old);
		start_thread(fd, &attr);
		sig_restore(&old);
	}
	pthread_attr_destroy(&attr);
	if (blocking_interrupt_all(900) > 0)
		log_msg("some connection threads did not finish in time");
	return 0;
}

const struct model model = {
    .name = "thread-per-conn",
    .about = "a new thread for every connection, blocking calls",
    .serve = serve,
};
