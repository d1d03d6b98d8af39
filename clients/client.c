/*
 * client.c - the state machine of one load-generating connection.
 *
 *   DOWN --connect()--> CONNECTING --writable--> UP --error/close--> DOWN
 *   any state --run over, nothing in flight--> DONE
 *
 * Keep-alive connections reconnect at once after an error (10 ms later
 * after a connect error, so a refusing server is not hammered in a loop);
 * with --no-keepalive every request opens its own connection and closes it
 * after the response.  client_next() is the one place that decides what a
 * connection does next; every event handler ends by calling it.
 *
 * It is called by the thread's loop (worker.c) and by its I/O engine
 * (engine.h), and calls neither back: to wait for a time it queues its
 * struct wakeup in the group's wake-up queue; its socket I/O it asks of the
 * engine (g->io), which reports the outcome later (client_connected(),
 * client_received(), client_sent()).  This file does no socket I/O itself
 * beyond creating the socket, so the same code runs over epoll and over
 * io_uring.
 */
#include "client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETRY_US 10000

static bool measured(const struct client_group *g, uint64_t t)
{
	return t >= g->clk->measure_us;
}

static struct slot *slot_at(const struct client_group *g, const struct client *c, uint32_t i)
{
	return &c->ring[(c->head + i) & g->ring_mask];
}

static void count_error(struct client_group *g, enum lg_error kind, int err)
{
	g->res.errors[kind]++;
	if (kind == LG_ERR_CONNECT)
		g->res.connect_errno[err > 0 && err < LG_MAX_ERRNO ? err : 0]++;
}

/* Closes the socket and forgets whatever was in flight on it. */
static void client_close(struct client_group *g, struct client *c)
{
	if (c->fd >= 0)
		g->io->close(g, c);
	c->fd = -1;
	c->gen++; /* whatever the engine still reports for it is stale */
	c->state = CLIENT_DOWN;
	c->inflight = 0;
	c->head = 0;
	c->head_seen = false;
	c->out_left = 0;
	c->lines_sent = c->lines_answered = 0;
	check_reset(&c->chk);
}

/* Fails every request in flight on c with the given kind (one error if
 * none was in flight), closes it and lets client_next() reconnect. */
static void client_fail(struct client_group *g, struct client *c, enum lg_error kind, int err,
			uint64_t now)
{
	for (uint32_t i = 0; i < c->inflight; i++)
		if (measured(g, slot_at(g, c, i)->intended_us))
			count_error(g, kind, err);
	if (c->inflight == 0 && measured(g, now))
		count_error(g, kind, err);
	if (c->inflight || measured(g, now))
		g->res.end_us = now;
	if (kind == LG_ERR_CONNECT) {
		c->retry_us = now + RETRY_US;
		/* With -n, a connection that cannot be made uses up a request,
		 * so a run against a dead server ends instead of retrying
		 * forever.  (Without keep-alive the request was already
		 * taken when connecting.) */
		if (g->cfg->keepalive && g->cfg->requests && c->budget)
			c->budget--;
	}
	client_close(g, c);
	client_next(g, c, now);
}

static void client_finish(struct client_group *g, struct client *c)
{
	wakeq_cancel(&g->wakeq, &c->wake);
	client_close(g, c);
	c->state = CLIENT_DONE;
	g->active--;
}

/* The intended send time of the i-th request from now on (open loop). */
static uint64_t intended(const struct client_group *g, const struct client *c, uint64_t i)
{
	return c->sched_base + (uint64_t)((double)(c->sched_n + i) * g->interval_us);
}

/* Gives the next k requests their slots and times.  Latency counts from
 * the intended time, or from the actual send if that came first (an open
 * loop woken a little early). */
static void take_slots(struct client_group *g, struct client *c, uint64_t k, uint64_t now)
{
	for (uint64_t i = 0; i < k; i++) {
		struct slot *s = slot_at(g, c, c->inflight + (uint32_t)i);

		s->intended_us = now;
		if (g->cfg->rate && intended(g, c, i) < now)
			s->intended_us = intended(g, c, i);
		s->sent_us = now;
		if (!measured(g, s->intended_us))
			g->res.warmup++;
	}
	c->inflight += (uint32_t)k;
	c->budget -= k;
	c->sched_n += k;
}

static void client_open(struct client_group *g, struct client *c, uint64_t now)
{
	static const int one = 1;
	static const struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
	int type = SOCK_STREAM | SOCK_CLOEXEC | (g->io->blocking_fds ? 0 : SOCK_NONBLOCK);

	/* c->gen is already new: client_close() bumped it, and a client is
	 * only opened from CLIENT_DOWN, which only client_close() sets. */
	c->connect_us = now;
	if (!g->cfg->keepalive)
		take_slots(g, c, 1, now);
	c->fd = socket(g->tgt->addr.ss_family, type, 0);
	if (c->fd < 0) {
		client_fail(g, c, LG_ERR_CONNECT, errno, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (g->cfg->linger0)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close));
	c->state = CLIENT_CONNECTING;
	/* Even a connect that succeeds at once is finished from the event
	 * loop (client_connected()), so an error path never recurses into
	 * the next connect. */
	if (g->io->connect(g, c) < 0)
		client_fail(g, c, LG_ERR_CONNECT, errno, now);
}

/* --proto lines: writes the next k lines of c ("Hello World!:n\n", n
 * counted per connection) to c->lines_out; returns their length. */
static size_t make_lines(struct client *c, uint64_t k)
{
	size_t len = 0;

	for (uint64_t i = 0; i < k; i++)
		len += (size_t)snprintf(c->lines_out + len, CLIENT_LINE_MAX, LG_LINE_TEXT "%llu\n",
					(unsigned long long)++c->lines_sent);
	return len;
}

/* Starts writing a batch of k requests (from client_flush()). */
static void start_batch(struct client_group *g, struct client *c, uint64_t k)
{
	c->out_off = 0;
	c->out_left = g->cfg->proto == LG_LINES ? make_lines(c, k) : (size_t)k * g->tgt->reqlen;
}

static void wrote(struct client_group *g, struct client *c, size_t n, uint64_t now)
{
	c->out_off += n;
	c->out_left -= n;
	if (measured(g, now))
		g->res.bytes_written += (uint64_t)n;
}

/* Writes what is left of the current batch, as far as the engine can now;
 * what it takes on it reports later (client_sent()). */
static void client_flush(struct client_group *g, struct client *c, uint64_t now)
{
	const char *batch = c->lines_out ? c->lines_out : g->tgt->batch;

	while (c->out_left) {
		ssize_t n = g->io->send(g, c, batch + c->out_off, c->out_left);

		if (n < 0) {
			client_fail(g, c, LG_ERR_WRITE, errno, now);
			return;
		}
		if (n == 0)
			return;
		wrote(g, c, (size_t)n, now);
	}
}

static void client_send(struct client_group *g, struct client *c, uint64_t k, uint64_t now)
{
	take_slots(g, c, k, now);
	start_batch(g, c, k);
	client_flush(g, c, now);
}

/* How many requests c may send now.  When it must wait for a time (think
 * time, or the open-loop schedule), it is queued to be woken then and the
 * answer is 0. */
static uint64_t sendable(struct client_group *g, struct client *c, uint64_t now)
{
	uint64_t k = (uint64_t)g->cfg->pipeline - c->inflight, due, first;

	if (c->budget < k)
		k = c->budget;
	if (k == 0 || c->out_left || lg_run_over(g->clk, now))
		return 0;
	if (!g->cfg->rate) {
		if (now >= c->next_us)
			return k;
		wakeq_set(&g->wakeq, &c->wake, c->next_us);
		return 0;
	}
	/* The timer is asked for early_us before the intended time, since it
	 * fires about that late; a request sent a little early is timed from
	 * its actual send (take_slots), so nothing is under-reported. */
	first = intended(g, c, 0);
	if (now + g->early_us < first) {
		wakeq_set(&g->wakeq, &c->wake, first - g->early_us);
		return 0;
	}
	/* Every request whose intended time has come, at once: a connection
	 * that fell behind catches up, and the delay shows in latency. */
	due = (uint64_t)((double)(now + g->early_us - c->sched_base) / g->interval_us) + 1 -
	      c->sched_n;
	return due < k ? (due ? due : 1) : k;
}

void client_next(struct client_group *g, struct client *c, uint64_t now)
{
	uint64_t k;

	if (c->state == CLIENT_DONE || c->state == CLIENT_CONNECTING)
		return;
	if (c->inflight == 0 && c->out_left == 0 && (c->budget == 0 || lg_run_over(g->clk, now))) {
		client_finish(g, c);
		return;
	}
	if (c->state == CLIENT_DOWN && now < c->retry_us) {
		wakeq_set(&g->wakeq, &c->wake, c->retry_us);
		return;
	}
	if (c->state == CLIENT_DOWN && g->cfg->keepalive) {
		client_open(g, c, now);
		return;
	}
	k = sendable(g, c, now);
	if (k == 0)
		return;
	if (c->state == CLIENT_DOWN)
		client_open(g, c, now); /* --no-keepalive: the request starts here */
	else
		client_send(g, c, k, now);
	if (g->cfg->rate && c->state == CLIENT_UP)
		sendable(g, c, now); /* queue the wake-up for the next one */
}

void client_connected(struct client_group *g, struct client *c, int err, uint64_t now)
{
	if (c->state != CLIENT_CONNECTING)
		return;
	if (err) {
		client_fail(g, c, LG_ERR_CONNECT, err, now);
		return;
	}
	c->state = CLIENT_UP;
	g->res.connections++;
	if (measured(g, now))
		hist_record(g->res.connect, now - c->connect_us);
	if (c->sched_base == 0) /* open loop keep-alive: schedule starts now */
		c->sched_base = now + (uint64_t)(c->index * g->interval_us / g->cfg->connections);
	if (g->cfg->keepalive) {
		client_next(g, c, now);
		return;
	}
	start_batch(g, c, 1);
	client_flush(g, c, now);
}

static void timeline_add(struct lg_result *r, uint64_t second)
{
	if (second >= r->timeline_len) {
		size_t len = r->timeline_len * 2 > second + 1 ? r->timeline_len * 2 : second + 1;
		uint64_t *t = realloc(r->timeline, len * sizeof(*t));

		if (!t)
			return; /* keeps the counts so far; the total is elsewhere */
		memset(t + r->timeline_len, 0, (len - r->timeline_len) * sizeof(*t));
		r->timeline = t;
		r->timeline_len = len;
	}
	r->timeline[second]++;
}

/* The oldest request got its full response.  Returns -1 if that closed
 * the connection (it has then been handed to client_next already). */
static int client_complete(struct client_group *g, struct client *c, uint64_t now)
{
	struct slot *s = slot_at(g, c, 0);
	bool ok = true;

	if (measured(g, s->intended_us)) {
		g->res.responses++;
		if (g->cfg->proto == LG_HTTP) {
			g->res.status[c->chk.status / 100 % 6]++;
			ok = c->chk.status == g->cfg->expect_status;
		}
		if (ok) {
			g->res.completed++;
			hist_record(g->res.latency, now - s->intended_us);
			if (g->cfg->rate)
				hist_record(g->res.uncorrected, now - s->sent_us);
			timeline_add(&g->res, (now - g->clk->measure_us) / 1000000);
		} else {
			g->res.errors[LG_ERR_BAD_RESPONSE]++;
		}
		g->res.end_us = now;
	}
	c->head = (c->head + 1) & g->ring_mask;
	c->inflight--;
	c->head_seen = false;
	if (g->cfg->think_us)
		c->next_us = now + g->cfg->think_us;
	if (g->cfg->keepalive && !c->chk.peer_closes)
		return 0;
	if (c->inflight) { /* pipelined requests behind a "close" are lost */
		client_fail(g, c, LG_ERR_CLOSED, 0, now);
		return -1;
	}
	client_close(g, c);
	client_next(g, c, now);
	return -1;
}

/* --proto lines: checks the answer to the oldest line in flight, line n
 * of this connection: "Hello World!:n\n" for the first, else the line
 * before it, a space, and it.  The expected answer is made when its first
 * byte arrives; check_echo() then compares it byte for byte. */
static int check_line(struct client *c, const char *p, size_t len, size_t *used)
{
	uint64_t n = c->lines_answered + 1;
	int r;

	if (c->chk.pos == 0) {
		if (n == 1)
			c->answer_len =
			    (uint32_t)snprintf(c->answer, sizeof(c->answer), LG_LINE_TEXT "1\n");
		else
			c->answer_len =
			    (uint32_t)snprintf(c->answer, sizeof(c->answer),
					       LG_LINE_TEXT "%llu " LG_LINE_TEXT "%llu\n",
					       (unsigned long long)(n - 1), (unsigned long long)n);
	}
	r = check_echo(&c->chk, p, len, used, c->answer, c->answer_len);
	if (r == CHECK_DONE)
		c->lines_answered = n;
	return r;
}

/* Walks the responses in p[0..len).  Returns -1 if c was closed. */
static int client_parse(struct client_group *g, struct client *c, const char *p, size_t len,
			uint64_t now)
{
	while (len) {
		size_t used = 0;
		int r;

		if (c->inflight == 0) { /* bytes nobody asked for */
			client_fail(g, c, LG_ERR_BAD_RESPONSE, 0, now);
			return -1;
		}
		if (!c->head_seen) {
			struct slot *s = slot_at(g, c, 0);

			c->head_seen = true;
			if (measured(g, s->intended_us))
				hist_record(g->res.ttfb, now - s->sent_us);
		}
		if (g->cfg->proto == LG_HTTP)
			r = check_http(&c->chk, p, len, &used);
		else if (g->cfg->proto == LG_LINES)
			r = check_line(c, p, len, &used);
		else
			r = check_echo(&c->chk, p, len, &used, g->tgt->request, g->tgt->reqlen);
		if (r == CHECK_BAD) {
			client_fail(g, c, LG_ERR_BAD_RESPONSE, 0, now);
			return -1;
		}
		p += used;
		len -= used;
		if (r == CHECK_DONE && client_complete(g, c, now) < 0)
			return -1;
	}
	return 0;
}

void client_received(struct client_group *g, struct client *c, const char *p, ssize_t n,
		     uint64_t now)
{
	if (c->state != CLIENT_UP)
		return;
	if (n < 0) {
		if (n != -EAGAIN && n != -EINTR)
			client_fail(g, c, LG_ERR_READ, (int)-n, now);
		return;
	}
	if (n == 0) {
		if (c->inflight) {
			client_fail(g, c, LG_ERR_CLOSED, 0, now);
		} else { /* an idle keep-alive connection closed: reopen */
			client_close(g, c);
			client_next(g, c, now);
		}
		return;
	}
	if (measured(g, now))
		g->res.bytes_read += (uint64_t)n;
	if (client_parse(g, c, p, (size_t)n, now) == 0)
		client_next(g, c, now);
}

void client_sent(struct client_group *g, struct client *c, ssize_t n, uint64_t now)
{
	uint32_t gen = c->gen;

	if (c->state != CLIENT_UP)
		return;
	if (n < 0) { /* also for a send the engine already counted as done */
		client_fail(g, c, LG_ERR_WRITE, (int)-n, now);
		return;
	}
	if (!c->out_left)
		return;
	wrote(g, c, (size_t)n < c->out_left ? (size_t)n : c->out_left, now);
	client_flush(g, c, now);
	if (c->gen == gen && c->state == CLIENT_UP && !c->out_left)
		client_next(g, c, now);
}

void client_check_timeout(struct client_group *g, struct client *c, uint64_t now)
{
	uint64_t limit = g->cfg->timeout_us;

	if (c->state == CLIENT_CONNECTING && now - c->connect_us >= limit)
		client_fail(g, c, LG_ERR_CONNECT, ETIMEDOUT, now);
	else if (c->state == CLIENT_UP && c->inflight && now - slot_at(g, c, 0)->sent_us >= limit)
		client_fail(g, c, LG_ERR_TIMEOUT, 0, now);
}
