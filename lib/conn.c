/*
 * conn.c - a connection driven by readiness events (see conn.h).
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

#define SCRATCH_SIZE (64 * 1024)
#define IN_MIN_CAP 1024
#define IN_MAX_CAP (64 * 1024)
/* After an error answer, how long we keep reading (and discarding) so that
 * the client receives the answer instead of a reset. */
#define DRAIN_US 2000000

/* Per-thread scratch buffers, shared by every connection the thread drives.
 * Pointers, not arrays: a thread that never calls conn_* (thread-per-conn)
 * must not pay 128 KiB of thread-local storage. */
static __thread char *scratch_in, *scratch_out;

static void scratch_init(void)
{
	if (scratch_in == NULL) {
		scratch_in = malloc(SCRATCH_SIZE);
		scratch_out = malloc(SCRATCH_SIZE);
		if (scratch_in == NULL || scratch_out == NULL)
			die("out of memory for scratch buffers");
	}
}

void conn_thread_done(void)
{
	free(scratch_in);
	free(scratch_out);
	scratch_in = scratch_out = NULL;
}

void conn_init(struct conn *c, int fd, enum proto proto)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	session_init(&c->session, proto);
	c->last_active_us = util_now_us();
}

void conn_keep_input(struct conn *c, const char *data, size_t len)
{
	if (len == 0) {
		free(c->in);
		c->in = NULL;
		c->in_len = c->in_cap = 0;
		c->head_start_us = 0;
		return;
	}
	if (c->in == NULL) {
		size_t cap = IN_MIN_CAP;
		while (cap < len)
			cap *= 2;
		c->in = malloc(cap);
		if (c->in == NULL)
			die("out of memory for input buffer");
		c->in_cap = (uint32_t)cap;
	}
	if (c->head_start_us == 0)
		c->head_start_us = util_now_us();
	memmove(c->in, data, len);
	c->in_len = (uint32_t)len;
}

int conn_grow_input(struct conn *c)
{
	if (c->in_cap - c->in_len >= IN_MIN_CAP / 2 || c->in_cap >= IN_MAX_CAP)
		return c->in_cap > c->in_len ? 0 : -1;
	char *p = realloc(c->in, c->in_cap * 2);
	if (p == NULL)
		return -1;
	c->in = p;
	c->in_cap *= 2;
	return 0;
}

int conn_write_or_keep(struct conn *c, const char *out, size_t len)
{
	ssize_t n = write(c->fd, out, len);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			stats_add(STAT_IO_ERRORS, 1);
			return -1;
		}
		n = 0;
	}
	stats_add(STAT_BYTES_OUT, (uint64_t)n);
	if ((size_t)n == len)
		return 0;
	c->out = malloc(len - (size_t)n);
	if (c->out == NULL)
		die("out of memory for output buffer");
	memcpy(c->out, out + n, len - (size_t)n);
	c->out_off = 0;
	c->out_len = (uint32_t)(len - (size_t)n);
	return 1;
}

/* The session is done with this connection: stop sending, and read until the
 * client closes (bounded by DRAIN_US), so it gets our last answer. */
void conn_mark_draining(struct conn *c)
{
	conn_keep_input(c, NULL, 0);
	c->draining = 1;
	c->head_start_us = util_now_us();
}

static enum conn_want start_drain(struct conn *c)
{
	if (shutdown(c->fd, SHUT_WR) < 0)
		return CONN_WANT_CLOSE;
	conn_mark_draining(c);
	return CONN_WANT_READ;
}

/* What to wait for once all output has been sent. */
static enum conn_want after_output(struct conn *c, const struct server_config *cfg)
{
	if (c->session.closing)
		return start_drain(c);
	if (c->delay_owed) {
		c->delay_owed = 0;
		if (cfg->defer_work && (cfg->work_ns || cfg->delay_blocking) &&
		    !session_is_push(&c->session)) {
			c->in_job = 1;
			return CONN_WANT_JOB;
		}
		uint64_t now = util_now_us();
		c->deadline_us = now + session_delay_us(&c->session, cfg, now);
		return CONN_WANT_TIMER;
	}
	return CONN_WANT_READ;
}

/* Runs the session over data[0..len) and sends what it produces. */
static enum conn_want run_session(struct conn *c, const struct server_config *cfg, const char *data,
				  size_t len)
{
	size_t off = 0, used, out_len = 0;
	enum session_step step;
	int kept = 0;

	for (;;) {
		step = session_process(&c->session, cfg, data + off, len - off, &used, scratch_out,
				       SCRATCH_SIZE, &out_len);
		off += used;
		if (step == SESSION_DELAY && cfg->delay_blocking && !cfg->defer_work &&
		    !session_is_push(&c->session)) {
			usleep((useconds_t)cfg->delay_us); /* the mistake, on purpose */
			continue;
		}
		if (step != SESSION_OUTPUT_FULL)
			break;
		kept = conn_write_or_keep(c, scratch_out, out_len);
		out_len = 0;
		if (kept != 0)
			break;
	}
	if (off > 0)
		c->head_start_us = 0; /* a request ended: any partial one is new */
	conn_keep_input(c, data + off, len - off);
	if (kept == 0 && out_len > 0)
		kept = conn_write_or_keep(c, scratch_out, out_len);
	if (kept < 0)
		return CONN_WANT_CLOSE;
	if (step == SESSION_DELAY)
		c->delay_owed = 1;
	return kept ? CONN_WANT_WRITE : after_output(c, cfg);
}

static enum conn_want drain(struct conn *c)
{
	ssize_t n = read(c->fd, scratch_in, SCRATCH_SIZE);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return CONN_WANT_READ;
	return n > 0 ? CONN_WANT_READ : CONN_WANT_CLOSE;
}

enum conn_want conn_on_readable(struct conn *c, const struct server_config *cfg)
{
	char *buf;
	size_t cap = SCRATCH_SIZE;
	ssize_t n;

	scratch_init();
	buf = scratch_in;
	if (c->draining)
		return drain(c);
	if (c->in_len > 0) { /* more of a partial request: read behind it */
		if (conn_grow_input(c) < 0)
			return CONN_WANT_CLOSE;
		buf = c->in + c->in_len;
		cap = c->in_cap - c->in_len;
	}
	n = read(c->fd, buf, cap);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return CONN_WANT_READ;
		stats_add(STAT_IO_ERRORS, 1);
		return CONN_WANT_CLOSE;
	}
	if (n == 0)
		return CONN_WANT_CLOSE; /* the peer is done; all our output is sent */
	stats_add(STAT_BYTES_IN, (uint64_t)n);
	c->last_active_us = util_now_us();
	if (c->in_len > 0) {
		c->in_len += (uint32_t)n;
		return run_session(c, cfg, c->in, c->in_len);
	}
	return run_session(c, cfg, scratch_in, (size_t)n);
}

int conn_write_held(struct conn *c)
{
	ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 1;
		stats_add(STAT_IO_ERRORS, 1);
		return -1;
	}
	stats_add(STAT_BYTES_OUT, (uint64_t)n);
	c->last_active_us = util_now_us();
	c->out_off += (uint32_t)n;
	if (c->out_off < c->out_len)
		return 1;
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	return 0;
}

enum conn_want conn_on_writable(struct conn *c, const struct server_config *cfg)
{
	int held;

	scratch_init();
	held = conn_write_held(c);
	if (held != 0)
		return held > 0 ? CONN_WANT_WRITE : CONN_WANT_CLOSE;
	if (c->session.closing || c->delay_owed || c->in_len == 0)
		return after_output(c, cfg);
	return run_session(c, cfg, c->in, c->in_len); /* input held back by a full buffer */
}

/* A push subscriber's tick (lib/push.h): it was not watched for input while
 * it waited, so read what has arrived since - WebSocket frames to answer, or
 * the end of the stream - and run the session over it, which also writes
 * the events due. */
static enum conn_want push_tick(struct conn *c, const struct server_config *cfg)
{
	char *buf = scratch_in;
	size_t cap = SCRATCH_SIZE;
	ssize_t n;

	if (c->in_len > 0) {
		if (conn_grow_input(c) < 0) /* full: it holds a whole frame */
			return run_session(c, cfg, c->in, c->in_len);
		buf = c->in + c->in_len;
		cap = c->in_cap - c->in_len;
	}
	n = read(c->fd, buf, cap);
	if (n == 0)
		return CONN_WANT_CLOSE; /* the subscriber has gone */
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			stats_add(STAT_IO_ERRORS, 1);
			return CONN_WANT_CLOSE;
		}
		n = 0;
	}
	stats_add(STAT_BYTES_IN, (uint64_t)n);
	if (c->in_len > 0) {
		c->in_len += (uint32_t)n;
		return run_session(c, cfg, c->in, c->in_len);
	}
	return run_session(c, cfg, scratch_in, (size_t)n);
}

enum conn_want conn_on_timer(struct conn *c, const struct server_config *cfg)
{
	scratch_init();
	c->last_active_us = util_now_us();
	if (session_is_push(&c->session))
		return push_tick(c, cfg);
	return run_session(c, cfg, c->in, c->in_len);
}

void conn_run_job(const struct server_config *cfg)
{
	if (cfg->work_ns)
		util_spin_ns(cfg->work_ns);
	if (cfg->delay_blocking && cfg->delay_us)
		usleep((useconds_t)cfg->delay_us); /* blocks a pool thread, not the loop */
}

enum conn_want conn_on_job_done(struct conn *c, const struct server_config *cfg)
{
	c->in_job = 0;
	if (cfg->delay_us && !cfg->delay_blocking) {
		c->deadline_us = util_now_us() + (uint64_t)cfg->delay_us;
		return CONN_WANT_TIMER;
	}
	return conn_on_timer(c, cfg);
}

/* How long ago `then` was; 0 if the caller's clock reading is older than
 * `then` (a sweep that read the time before its handlers ran), rather than
 * an unsigned wrap-around that would make a busy connection look ancient. */
static uint64_t age_us(uint64_t now_us, uint64_t then_us)
{
	return now_us > then_us ? now_us - then_us : 0;
}

int conn_expired(const struct conn *c, const struct server_config *cfg, uint64_t now_us)
{
	if (c->deadline_us > now_us || c->in_job)
		return 0; /* waiting on its delay timer or its job */
	if (c->draining)
		return age_us(now_us, c->head_start_us) > DRAIN_US;
	if (cfg->idle_timeout_s &&
	    age_us(now_us, c->last_active_us) > (uint64_t)cfg->idle_timeout_s * 1000000)
		return 1;
	return cfg->header_timeout_s && c->head_start_us &&
	       session_in_head(&c->session, c->in_len) &&
	       age_us(now_us, c->head_start_us) > (uint64_t)cfg->header_timeout_s * 1000000;
}

void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	session_end(&c->session);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->in_cap = c->out_len = c->out_off = 0;
}

void conn_list_add(struct conn_list *l, struct conn *c)
{
	c->prev = NULL;
	c->next = l->head;
	if (l->head)
		l->head->prev = c;
	l->head = c;
	l->count++;
}

void conn_list_remove(struct conn_list *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

void conn_sweep(struct conn_list *l, const struct server_config *cfg, uint64_t now_us,
		void (*close_conn)(struct conn *c, void *arg), void *arg)
{
	struct conn *c, *next;

	for (c = l->head; c != NULL; c = next) {
		next = c->next;
		if (conn_expired(c, cfg, now_us))
			close_conn(c, arg);
	}
}

void conn_fifo_push(struct conn_fifo *q, struct conn *c)
{
	c->timer_next = NULL;
	if (q->tail)
		q->tail->timer_next = c;
	else
		q->head = c;
	q->tail = c;
}

struct conn *conn_fifo_pop_expired(struct conn_fifo *q, uint64_t now_us)
{
	struct conn *c = q->head;

	if (c == NULL || c->deadline_us > now_us)
		return NULL;
	q->head = c->timer_next;
	if (q->head == NULL)
		q->tail = NULL;
	c->timer_next = NULL;
	return c;
}

struct conn *conn_fifo_pop(struct conn_fifo *q)
{
	return conn_fifo_pop_expired(q, UINT64_MAX);
}

uint64_t conn_fifo_timeout_us(const struct conn_fifo *q, uint64_t now_us, uint64_t max_us)
{
	if (q->head == NULL)
		return max_us;
	if (q->head->deadline_us <= now_us)
		return 0;
	uint64_t us = q->head->deadline_us - now_us;
	return us < max_us ? us : max_us;
}

int conn_fifo_timeout_ms(const struct conn_fifo *q, uint64_t now_us, int max_ms)
{
	return (int)((conn_fifo_timeout_us(q, now_us, (uint64_t)max_ms * 1000) + 999) / 1000);
}
