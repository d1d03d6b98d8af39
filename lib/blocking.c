/*
 * blocking.c - serve one connection with blocking calls (see blocking.h).
 */
#include "blocking.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

#define IN_SIZE (64 * 1024)
#define DRAIN_MS 2000

/* SO_RCVTIMEO currently set on the connection this thread serves, so that
 * the common case (same timeout as last read) costs no extra system call. */
static __thread int timeo_fd = -1, timeo_ms = -1;

static ssize_t os_read(int fd, void *buf, size_t len, int timeout_ms)
{
	ssize_t n;

	if (fd != timeo_fd || timeout_ms != timeo_ms) {
		struct timeval tv = {.tv_sec = timeout_ms < 0 ? 0 : timeout_ms / 1000,
				     .tv_usec = timeout_ms < 0 ? 0 : (timeout_ms % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		timeo_fd = fd;
		timeo_ms = timeout_ms;
	}
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR && !sig_stopping());
	return n;
}

static ssize_t os_write(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR && !sig_stopping())
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}

static void os_sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !sig_stopping())
		;
}

/* The connections being served, so a stopping server can interrupt them. */
struct live {
	int fd;
	struct live *prev, *next;
};
static struct live *live_head;
static int live_count;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static void live_add(struct live *l)
{
	pthread_mutex_lock(&live_lock);
	l->prev = NULL;
	l->next = live_head;
	if (live_head)
		live_head->prev = l;
	live_head = l;
	live_count++;
	pthread_mutex_unlock(&live_lock);
}

static void live_remove(struct live *l)
{
	pthread_mutex_lock(&live_lock);
	if (l->prev)
		l->prev->next = l->next;
	else
		live_head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	live_count--;
	pthread_mutex_unlock(&live_lock);
}

int blocking_interrupt_all(int timeout_ms)
{
	uint64_t end = util_now_us() + (uint64_t)timeout_ms * 1000;
	int left;

	pthread_mutex_lock(&live_lock);
	for (struct live *l = live_head; l; l = l->next)
		shutdown(l->fd, SHUT_RDWR);
	pthread_mutex_unlock(&live_lock);
	for (;;) {
		pthread_mutex_lock(&live_lock);
		left = live_count;
		pthread_mutex_unlock(&live_lock);
		if (left == 0 || util_now_us() >= end)
			return left;
		usleep(1000);
	}
}

static int os_wait_readable(int fd, long us)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	int n;

	do /* ppoll's timeout is a high-resolution timer: microseconds, not ticks */
		n = ppoll(&p, 1, &ts, NULL);
	while (n < 0 && errno == EINTR && !sig_stopping());
	return n > 0 ? 1 : n;
}

const struct blocking_io blocking_io_os = {os_read, os_write, os_sleep_us, os_wait_readable};

/* How long the next read may wait: the idle timeout, or less when a request
 * head has been trickling in (slowloris) and its deadline comes first. */
static int read_timeout_ms(const struct server_config *cfg, uint64_t head_start_us)
{
	long ms = cfg->idle_timeout_s ? cfg->idle_timeout_s * 1000L : -1;

	if (head_start_us && cfg->header_timeout_s) {
		long left =
		    cfg->header_timeout_s * 1000L - (long)((util_now_us() - head_start_us) / 1000);
		if (left < 1)
			left = 1;
		if (ms < 0 || left < ms)
			ms = left;
	}
	return (int)ms;
}

/* What serve_input() returns besides 0 (read on), 1 (done) and -1. */
#define SERVE_PUSH_WAIT 2

/* Runs the session over in[0..*in_len) and writes all it produces; keeps
 * the unconsumed input at the front of in.  Returns 0 to go on reading, 1
 * when the session is done with the connection, -1 on a write error, and
 * SERVE_PUSH_WAIT when a push subscriber waits for its next tick: the
 * caller then reads with a timeout that ends at the tick, so that frames
 * the client sends meanwhile are answered at once (lib/push.h). */
static int serve_input(struct session *s, const struct server_config *cfg,
		       const struct blocking_io *io, int fd, char *in, size_t *in_len, char *out)
{
	size_t off = 0, used, out_len = 0;
	enum session_step step;

	do {
		step = session_process(s, cfg, in + off, *in_len - off, &used, out, SESSION_OUT_MAX,
				       &out_len);
		off += used;
		if (out_len) {
			if (io->write(fd, out, out_len) < 0)
				return -1;
			stats_add(STAT_BYTES_OUT, out_len);
			out_len = 0;
		}
		if (step == SESSION_DELAY && session_is_push(s))
			break; /* the caller reads until the next tick */
		if (step == SESSION_DELAY)
			io->sleep_us(cfg->delay_us);
	} while (step == SESSION_OUTPUT_FULL || step == SESSION_DELAY);
	memmove(in, in + off, *in_len - off);
	*in_len -= off;
	if (step == SESSION_DELAY)
		return SERVE_PUSH_WAIT;
	return step == SESSION_CLOSE;
}

/* How long a push subscriber's read may wait: until its next tick, in
 * whole milliseconds (rounded up: never early, at most 1 ms late). */
static int push_timeout_ms(const struct session *s, const struct server_config *cfg)
{
	uint64_t us = session_delay_us(s, cfg, util_now_us());

	return us == 0 ? 1 : (int)((us + 999) / 1000);
}

/* After the last answer: stop sending and read until the client closes, so
 * that it receives the answer rather than a reset. */
static void drain(int fd, const struct blocking_io *io, char *buf)
{
	uint64_t end = util_now_us() + DRAIN_MS * 1000;

	if (shutdown(fd, SHUT_WR) < 0)
		return;
	while (util_now_us() < end && io->read(fd, buf, IN_SIZE, DRAIN_MS) > 0)
		;
}

void conn_serve_blocking(int fd, const struct server_config *cfg, const struct blocking_io *io)
{
	char *in = malloc(IN_SIZE), *out = malloc(SESSION_OUT_MAX);
	uint64_t head_start_us = 0;
	struct session s;
	size_t in_len = 0;
	int rc = 0;

	struct live live = {.fd = fd};

	if (in == NULL || out == NULL)
		goto out_free;
	live_add(&live);
	timeo_fd = -1;
	session_init(&s, cfg->proto);
	while ((rc == 0 || rc == SERVE_PUSH_WAIT) && !sig_stopping()) {
		int waiting = rc == SERVE_PUSH_WAIT;
		if (waiting && io->wait_readable) {
			int r =
			    io->wait_readable(fd, (long)session_delay_us(&s, cfg, util_now_us()));
			if (r < 0)
				break; /* stopping, or the descriptor failed */
			if (r == 0) {
				rc = serve_input(&s, cfg, io, fd, in, &in_len, out); /* the tick */
				continue;
			}
		}
		ssize_t n = io->read(fd, in + in_len, IN_SIZE - in_len,
				     waiting ? push_timeout_ms(&s, cfg)
					     : read_timeout_ms(cfg, head_start_us));
		if (n < 0 && waiting && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = serve_input(&s, cfg, io, fd, in, &in_len, out); /* the tick */
			continue;
		}
		if (n <= 0) {
			if (n < 0)
				stats_add(STAT_IO_ERRORS, 1);
			break;
		}
		stats_add(STAT_BYTES_IN, (uint64_t)n);
		in_len += (size_t)n;
		size_t before = in_len;
		rc = serve_input(&s, cfg, io, fd, in, &in_len, out);
		if (in_len == 0 || in_len < before)
			head_start_us = in_len ? util_now_us() : 0;
		else if (head_start_us == 0)
			head_start_us = util_now_us();
	}
	if (rc == 1)
		drain(fd, io, in);
	else if (rc < 0)
		stats_add(STAT_IO_ERRORS, 1);
	live_remove(&live);
	session_end(&s);
out_free:
	close(fd);
	free(in);
	free(out);
}
