/*
 * conn.c - the state machine of one load-generating connection.
 *
 *   DOWN --connect()--> CONNECTING --writable--> UP --error/close--> DOWN
 *   any state --run over, nothing in flight--> DONE
 *
 * Keep-alive connections reconnect at once after an error (10 ms later
 * after a connect error, so a refusing server is not hammered in a loop);
 * with --no-keepalive every request opens its own connection and closes it
 * after the response.  conn_next() is the one place that decides what a
 * connection does next; every event handler ends by calling it.
 */
#include "worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define RETRY_US 10000

static bool measured(const struct worker *w, uint64_t t)
{
	return t >= w->clk->measure_us;
}

static struct slot *slot_at(const struct worker *w, const struct conn *c,
			    uint32_t i)
{
	return &c->ring[(c->head + i) & w->ring_mask];
}

static void count_error(struct worker *w, enum lg_error kind, int err)
{
	w->res.errors[kind]++;
	if (kind == LG_ERR_CONNECT)
		w->res.connect_errno[err > 0 && err < LG_MAX_ERRNO ? err : 0]++;
}

static void watch(struct worker *w, struct conn *c, int op, bool out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0),
		.data.u64 = (uint64_t)c->gen << 32 | (uint32_t)(c - w->conns),
	};

	if (epoll_ctl(w->epfd, op, c->fd, &ev) < 0)
		lg_die("epoll_ctl: %s", strerror(errno));
	c->want_out = out;
}

/* Closes the socket and forgets whatever was in flight on it. */
static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_DOWN;
	c->inflight = 0;
	c->head = 0;
	c->head_seen = false;
	c->out_left = 0;
	check_reset(&c->chk);
}

/* Fails every request in flight on c with the given kind (one error if
 * none was in flight), closes it and lets conn_next() reconnect. */
static void conn_fail(struct worker *w, struct conn *c, enum lg_error kind,
		      int err, uint64_t now)
{
	for (uint32_t i = 0; i < c->inflight; i++)
		if (measured(w, slot_at(w, c, i)->intended_us))
			count_error(w, kind, err);
	if (c->inflight == 0 && measured(w, now))
		count_error(w, kind, err);
	if (c->inflight || measured(w, now))
		w->res.end_us = now;
	if (kind == LG_ERR_CONNECT) {
		c->retry_us = now + RETRY_US;
		/* With -n, a connection that cannot be made uses up a request,
		 * so a run against a dead server ends instead of retrying
		 * forever.  (Without keep-alive the request was already
		 * taken when connecting.) */
		if (w->cfg->keepalive && w->cfg->requests && c->budget)
			c->budget--;
	}
	conn_close(c);
	conn_next(w, c, now);
}

static void conn_finish(struct worker *w, struct conn *c)
{
	worker_unqueue(w, c);
	conn_close(c);
	c->state = CONN_DONE;
	w->active--;
}

/* The intended send time of the i-th request from now on (open loop). */
static uint64_t intended(const struct worker *w, const struct conn *c,
			 uint64_t i)
{
	return c->sched_base + (uint64_t)((double)(c->sched_n + i) * w->interval_us);
}

/* Gives the next k requests their slots and times.  Latency counts from
 * the intended time, or from the actual send if that came first (an open
 * loop woken a little early). */
static void take_slots(struct worker *w, struct conn *c, uint64_t k,
		       uint64_t now)
{
	for (uint64_t i = 0; i < k; i++) {
		struct slot *s = slot_at(w, c, c->inflight + (uint32_t)i);

		s->intended_us = now;
		if (w->cfg->rate && intended(w, c, i) < now)
			s->intended_us = intended(w, c, i);
		s->sent_us = now;
		if (!measured(w, s->intended_us))
			w->res.warmup++;
	}
	c->inflight += (uint32_t)k;
	c->budget -= k;
	c->sched_n += k;
}

static void conn_open(struct worker *w, struct conn *c, uint64_t now)
{
	static const int one = 1;
	static const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	const struct lg_target *t = w->tgt;

	c->gen++;
	c->connect_us = now;
	if (!w->cfg->keepalive)
		take_slots(w, c, 1, now);
	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_fail(w, c, LG_ERR_CONNECT, errno, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (w->cfg->linger0)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abort_close,
			   sizeof(abort_close));
	c->state = CONN_CONNECTING;
	/* Even a connect that succeeds at once is finished from the event
	 * loop, so an error path never recurses into the next connect. */
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(w, c, LG_ERR_CONNECT, errno, now);
		return;
	}
	watch(w, c, EPOLL_CTL_ADD, true);
}

/* Writes what is left of the current batch; EPOLLOUT only while blocked. */
static void conn_flush(struct worker *w, struct conn *c, uint64_t now)
{
	while (c->out_left) {
		ssize_t n = send(c->fd, w->tgt->batch + c->out_off, c->out_left,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (!c->want_out)
					watch(w, c, EPOLL_CTL_MOD, true);
				return;
			}
			conn_fail(w, c, LG_ERR_WRITE, errno, now);
			return;
		}
		c->out_off += (size_t)n;
		c->out_left -= (size_t)n;
		if (measured(w, now))
			w->res.bytes_written += (uint64_t)n;
	}
	if (c->want_out)
		watch(w, c, EPOLL_CTL_MOD, false);
}

static void conn_send(struct worker *w, struct conn *c, uint64_t k,
		      uint64_t now)
{
	take_slots(w, c, k, now);
	c->out_off = 0;
	c->out_left = (size_t)k * w->tgt->reqlen;
	conn_flush(w, c, now);
}

/* How many requests c may send now.  When it must wait for a time (think
 * time, or the open-loop schedule), it is queued to be woken then and the
 * answer is 0. */
static uint64_t sendable(struct worker *w, struct conn *c, uint64_t now)
{
	uint64_t k = (uint64_t)w->cfg->pipeline - c->inflight, due, first;

	if (c->budget < k)
		k = c->budget;
	if (k == 0 || c->out_left || worker_stopped(w, now))
		return 0;
	if (!w->cfg->rate) {
		if (now >= c->next_us)
			return k;
		worker_wake_at(w, c, c->next_us);
		return 0;
	}
	/* The timer is asked for early_us before the intended time, since it
	 * fires about that late; a request sent a little early is timed from
	 * its actual send (take_slots), so nothing is under-reported. */
	first = intended(w, c, 0);
	if (now + w->early_us < first) {
		worker_wake_at(w, c, first - w->early_us);
		return 0;
	}
	/* Every request whose intended time has come, at once: a connection
	 * that fell behind catches up, and the delay shows in latency. */
	due = (uint64_t)((double)(now + w->early_us - c->sched_base) / w->interval_us) +
	      1 - c->sched_n;
	return due < k ? (due ? due : 1) : k;
}

void conn_next(struct worker *w, struct conn *c, uint64_t now)
{
	uint64_t k;

	if (c->state == CONN_DONE || c->state == CONN_CONNECTING)
		return;
	if (c->inflight == 0 && c->out_left == 0 &&
	    (c->budget == 0 || worker_stopped(w, now))) {
		conn_finish(w, c);
		return;
	}
	if (c->state == CONN_DOWN && now < c->retry_us) {
		worker_wake_at(w, c, c->retry_us);
		return;
	}
	if (c->state == CONN_DOWN && w->cfg->keepalive) {
		conn_open(w, c, now);
		return;
	}
	k = sendable(w, c, now);
	if (k == 0)
		return;
	if (c->state == CONN_DOWN)
		conn_open(w, c, now); /* --no-keepalive: the request starts here */
	else
		conn_send(w, c, k, now);
	if (w->cfg->rate && c->state == CONN_UP)
		sendable(w, c, now); /* queue the wake-up for the next one */
}

static void conn_connected(struct worker *w, struct conn *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		conn_fail(w, c, LG_ERR_CONNECT, err, now);
		return;
	}
	c->state = CONN_UP;
	w->res.connections++;
	if (measured(w, now))
		hist_record(w->res.connect, now - c->connect_us);
	if (c->sched_base == 0) /* open loop keep-alive: schedule starts now */
		c->sched_base = now + (uint64_t)(c->index * w->interval_us /
						 w->cfg->connections);
	watch(w, c, EPOLL_CTL_MOD, false);
	if (w->cfg->keepalive) {
		conn_next(w, c, now);
		return;
	}
	c->out_off = 0;
	c->out_left = w->tgt->reqlen;
	conn_flush(w, c, now);
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
 * the connection (it has then been handed to conn_next already). */
static int conn_complete(struct worker *w, struct conn *c, uint64_t now)
{
	struct slot *s = slot_at(w, c, 0);
	bool ok = true;

	if (measured(w, s->intended_us)) {
		w->res.responses++;
		if (w->cfg->proto == LG_HTTP) {
			w->res.status[c->chk.status / 100 % 6]++;
			ok = c->chk.status == w->cfg->expect_status;
		}
		if (ok) {
			w->res.completed++;
			hist_record(w->res.latency, now - s->intended_us);
			if (w->cfg->rate)
				hist_record(w->res.uncorrected, now - s->sent_us);
			timeline_add(&w->res, (now - w->clk->measure_us) / 1000000);
		} else {
			w->res.errors[LG_ERR_BAD_RESPONSE]++;
		}
		w->res.end_us = now;
	}
	c->head = (c->head + 1) & w->ring_mask;
	c->inflight--;
	c->head_seen = false;
	if (w->cfg->think_us)
		c->next_us = now + w->cfg->think_us;
	if (w->cfg->keepalive && !c->chk.peer_closes)
		return 0;
	if (c->inflight) { /* pipelined requests behind a "close" are lost */
		conn_fail(w, c, LG_ERR_CLOSED, 0, now);
		return -1;
	}
	conn_close(c);
	conn_next(w, c, now);
	return -1;
}

/* Walks the responses in p[0..len).  Returns -1 if c was closed. */
static int conn_parse(struct worker *w, struct conn *c, const char *p,
		      size_t len, uint64_t now)
{
	while (len) {
		size_t used = 0;
		int r;

		if (c->inflight == 0) { /* bytes nobody asked for */
			conn_fail(w, c, LG_ERR_BAD_RESPONSE, 0, now);
			return -1;
		}
		if (!c->head_seen) {
			struct slot *s = slot_at(w, c, 0);

			c->head_seen = true;
			if (measured(w, s->intended_us))
				hist_record(w->res.ttfb, now - s->sent_us);
		}
		if (w->cfg->proto == LG_HTTP)
			r = check_http(&c->chk, p, len, &used);
		else
			r = check_echo(&c->chk, p, len, &used, w->tgt->request,
				       w->tgt->reqlen);
		if (r == CHECK_BAD) {
			conn_fail(w, c, LG_ERR_BAD_RESPONSE, 0, now);
			return -1;
		}
		p += used;
		len -= used;
		if (r == CHECK_DONE && conn_complete(w, c, now) < 0)
			return -1;
	}
	return 0;
}

static void conn_readable(struct worker *w, struct conn *c, uint64_t now)
{
	ssize_t n = recv(c->fd, w->rbuf, WORKER_RBUF, 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_fail(w, c, LG_ERR_READ, errno, now);
		return;
	}
	if (n == 0) {
		if (c->inflight) {
			conn_fail(w, c, LG_ERR_CLOSED, 0, now);
		} else { /* an idle keep-alive connection closed: reopen */
			conn_close(c);
			conn_next(w, c, now);
		}
		return;
	}
	if (measured(w, now))
		w->res.bytes_read += (uint64_t)n;
	if (conn_parse(w, c, w->rbuf, (size_t)n, now) == 0)
		conn_next(w, c, now);
}

void conn_event(struct worker *w, struct conn *c, uint32_t events,
		uint64_t now)
{
	uint32_t gen = c->gen;

	if (c->state == CONN_CONNECTING) {
		conn_connected(w, c, now);
		return;
	}
	if (c->state != CONN_UP)
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_readable(w, c, now);
	if ((events & EPOLLOUT) && c->gen == gen && c->state == CONN_UP &&
	    c->out_left) {
		conn_flush(w, c, now);
		if (c->gen == gen && c->state == CONN_UP && !c->out_left)
			conn_next(w, c, now);
	}
}

void conn_check_timeout(struct worker *w, struct conn *c, uint64_t now)
{
	uint64_t limit = w->cfg->timeout_us;

	if (c->state == CONN_CONNECTING && now - c->connect_us >= limit)
		conn_fail(w, c, LG_ERR_CONNECT, ETIMEDOUT, now);
	else if (c->state == CONN_UP && c->inflight &&
		 now - slot_at(w, c, 0)->sent_us >= limit)
		conn_fail(w, c, LG_ERR_TIMEOUT, 0, now);
}
