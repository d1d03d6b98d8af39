/*
 * subscriber.c - --subscribe poll|sse|ws N: N subscribers that hold a push
 * stream open, and the delivery latency of every event they receive.
 *
 * The wire format (clients/README.md, "Push subscribers"): the server
 * publishes event k at k * period microseconds of CLOCK_REALTIME, and
 * every event reads "seq=<k> t=<publish_us>".  A subscriber's delivery
 * latency is its CLOCK_REALTIME arrival time minus t=, recorded into the
 * same HDR histogram as request latency (lib/hist.h).  The load generator
 * and the server run on the same host (or hosts synchronised well below
 * the latencies measured), since two clocks are compared.
 *
 * Each thread runs one epoll loop over its share of the subscribers.  A
 * subscriber is a small state machine:
 *
 *   DOWN -> CONNECTING -> HEAD -> STREAM (sse, ws)
 *                         HEAD -> BODY -> HEAD -> ... (poll: one long
 *                                 poll after another on one connection)
 *
 * Reads land in the subscriber's own small buffer, and whole units (a
 * response head, an SSE line, a poll answer line, a WebSocket frame) are
 * taken out of it as they complete, so a buffer only ever holds one
 * unfinished unit: 10,000 subscribers cost about 10 MiB here.
 *
 * Counting, per subscriber: the seq numbers it receives must follow each
 * other; a jump is missed events (a server that drops events for a slow
 * subscriber, a long poll that came back too late to get them all, a
 * WebSocket reconnect that cannot resume).  A subscriber whose connection
 * closes reconnects at once and resumes where it was (SSE Last-Event-ID,
 * /poll?since=); that is a reconnect.  Only events published inside the
 * measured phase (after --warmup, before the end of -d) are counted.
 *
 * Time-driven work (connect and handshake deadlines, retries after a
 * failed connect, at most SUB_MAX_PENDING connects in flight per thread so
 * a 10,000-subscriber start does not overflow the server's listen queue
 * all at once) is done by a scan every SUB_TICK_US: a subscriber run does
 * no per-request work, so a scan of a few thousand structs every 20 ms
 * costs nothing next to the reads.
 */
#include "subscriber.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SUB_BUF 1024	      /* per subscriber: one unfinished unit at most */
#define SUB_TICK_US 20000     /* deadline and retry scan */
#define SUB_RETRY_US 100000   /* after a failed connect or handshake, doubled */
#define SUB_RETRY_MAX_SHIFT 4 /* ... per failure in a row, up to 0.8 s */
#define SUB_MAX_PENDING 1000  /* connects in flight per thread */
#define SUB_MAX_EVENTS 256    /* epoll_wait batch */
#define SUB_MAX_REQUEST 2048  /* one subscription request */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" /* RFC 6455, 1.3 */

enum sub_state { SUB_DOWN, SUB_CONNECTING, SUB_HEAD, SUB_BODY, SUB_STREAM };

struct sub {
	int fd;
	uint32_t gen; /* bumped per socket: tells stale epoll events apart */
	enum sub_state state;
	bool held;	   /* this connection got its stream (2xx or 101) */
	bool ever;	   /* some connection of this subscriber did */
	uint64_t deadline; /* CONNECTING/HEAD before held: give up at;
			    * DOWN: connect again at */
	uint64_t connect_us;
	int64_t last_seq;   /* -1 before the first event */
	uint32_t rng;	    /* xorshift32: WebSocket key and masks */
	uint32_t body_left; /* poll: bytes of the answer's body still to come */
	uint32_t inlen;
	uint8_t fails; /* failed connects or subscriptions in a row */
	char key[28];  /* ws: Sec-WebSocket-Key sent (24 chars + NUL) */
	char in[SUB_BUF];
};

struct sub_thread {
	const struct lg_config *cfg;
	const struct lg_target *tgt;
	const struct lg_clock *clk;
	uint64_t measure_real, stop_real; /* the measured phase, CLOCK_REALTIME */
	double period_us;		  /* read off the events (t = seq x period) */
	bool draining;			  /* past -d: waiting for the last events */
	const char *host;		  /* "host:port" for the Host header */
	int epfd;
	int nsubs;
	struct sub *subs;
	struct lg_result res; /* connections, errors, bytes, connect times */
	struct lg_push push;
};

/* Bytes count in the measured phase only, as in request runs, so that
 * bytes per second over events per second is the bytes of one event. */
static bool in_measured_phase(const struct sub_thread *t, uint64_t now)
{
	return now >= t->clk->measure_us && now < t->clk->stop_us;
}

static uint64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* ---- events and their counting ---- */

/* Events missed between last and seq that were published in the measured
 * phase.  The period is read off the event itself (t = seq * period), so
 * the client needs no --publish-hz of its own. */
static uint64_t missed_between(const struct sub_thread *t, int64_t last, int64_t seq, uint64_t tus)
{
	uint64_t from = (uint64_t)last + 1;

	if (seq > 0 && tus > 0) {
		double period = (double)tus / (double)seq;
		uint64_t first = (uint64_t)ceil((double)t->measure_real / period);

		if (first > from)
			from = first;
	}
	return (uint64_t)seq > from ? (uint64_t)seq - from : 0;
}

static void on_event(struct sub_thread *t, struct sub *s, int64_t seq, uint64_t tus,
		     uint64_t now_real)
{
	bool measured = tus >= t->measure_real && tus < t->stop_real;

	if (seq > 0)
		t->period_us = (double)tus / (double)seq;
	if (s->last_seq >= 0 && seq <= s->last_seq) {
		t->push.duplicates++;
		return;
	}
	if (s->last_seq >= 0 && measured)
		t->push.missed += missed_between(t, s->last_seq, seq, tus);
	s->last_seq = seq;
	if (!measured)
		return;
	t->push.events++;
	hist_record(t->push.delivery, now_real > tus ? now_real - tus : 0);
}

/* "seq=<k> t=<us>" exactly (len bytes at p, no terminator); false if not. */
static bool parse_event(const char *p, size_t len, int64_t *seq, uint64_t *tus)
{
	char text[64], *end;
	long long k;
	unsigned long long us;

	if (len >= sizeof(text) || len < 7 || memcmp(p, "seq=", 4) != 0)
		return false;
	memcpy(text, p, len);
	text[len] = '\0';
	errno = 0;
	k = strtoll(text + 4, &end, 10);
	if (end == text + 4 || k < 0 || strncmp(end, " t=", 3) != 0)
		return false;
	p = end + 3;
	us = strtoull(p, &end, 10);
	if (end == p || *end || errno)
		return false;
	*seq = k;
	*tus = us;
	return true;
}

/* ---- the connection ---- */

static void set_events(struct sub_thread *t, struct sub *s, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events,
				 .data.u64 = (uint64_t)s->gen << 32 | (uint32_t)(s - t->subs)};

	if (epoll_ctl(t->epfd, op, s->fd, &ev) < 0)
		lg_die("epoll_ctl: %s", strerror(errno));
}

/* The connection is gone (err is the lg_error to count, or -1 for none).
 * A subscriber that held its stream reconnects at once and resumes; one
 * that never got it waits SUB_RETRY_US, doubled for each failure in a
 * row, so a server that refuses (select past FD_SETSIZE) is not hammered
 * by thousands of reconnects a second while it serves the others. */
static void sub_lost(struct sub_thread *t, struct sub *s, int err, uint64_t now)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->gen++;
	s->inlen = 0;
	if (err >= 0)
		t->res.errors[err]++;
	if (s->held && !t->draining)
		t->push.reconnects++;
	if (s->held)
		s->fails = 0;
	else if (s->fails < SUB_RETRY_MAX_SHIFT)
		s->fails++;
	s->deadline = s->held ? now : now + ((uint64_t)SUB_RETRY_US << (s->fails - 1));
	s->held = false;
	s->state = SUB_DOWN;
}

/* Base64 of the SHA-1 of key + the RFC's GUID: Sec-WebSocket-Accept. */
static void ws_accept_for(const char *key, char out[32])
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	char text[64];
	int n = snprintf(text, sizeof(text), "%s%s", key, WS_GUID);

	SHA1((const unsigned char *)text, (size_t)n, digest);
	EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

/* A fresh random Sec-WebSocket-Key: 16 bytes, base64. */
static void ws_new_key(struct sub *s)
{
	unsigned char raw[16];

	for (int i = 0; i < 16; i += 4) {
		uint32_t x = xorshift32(&s->rng);

		memcpy(raw + i, &x, 4);
	}
	EVP_EncodeBlock((unsigned char *)s->key, raw, sizeof(raw));
}

/* The endpoint: the URL's path if one was given, else the style's own. */
static const char *endpoint(const struct lg_config *cfg)
{
	static const char *const paths[] = {"/", "/poll", "/events", "/ws"};

	return strcmp(cfg->path, "/") != 0 ? cfg->path : paths[cfg->subscribe];
}

static size_t build_request(const struct sub_thread *t, struct sub *s, char *buf)
{
	const struct lg_config *cfg = t->cfg;
	int n = 0;

	switch (cfg->subscribe) {
	case LG_SUB_POLL:
		n = s->last_seq >= 0 ? sprintf(buf, "GET %s?since=%lld HTTP/1.1\r\n", endpoint(cfg),
					       (long long)s->last_seq)
				     : sprintf(buf, "GET %s HTTP/1.1\r\n", endpoint(cfg));
		n += sprintf(buf + n, "Host: %s\r\n", t->host);
		break;
	case LG_SUB_SSE:
		n = sprintf(buf, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n",
			    endpoint(cfg), t->host);
		if (s->last_seq >= 0)
			n += sprintf(buf + n, "Last-Event-ID: %lld\r\n", (long long)s->last_seq);
		break;
	case LG_SUB_WS:
		ws_new_key(s);
		n = sprintf(buf,
			    "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
			    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
			    "Sec-WebSocket-Version: 13\r\n",
			    endpoint(cfg), t->host, s->key);
		break;
	case LG_SUB_NONE:
		break;
	}
	for (int i = 0; i < cfg->nheaders; i++)
		n += sprintf(buf + n, "%s\r\n", cfg->headers[i]);
	n += sprintf(buf + n, "\r\n");
	return (size_t)n;
}

/* Sends the subscription (or the next long poll).  It is a few hundred
 * bytes into an idle socket, so it goes in one send(); a short send is
 * counted as a write error rather than buffered. */
static void send_request(struct sub_thread *t, struct sub *s, uint64_t now)
{
	char buf[SUB_MAX_REQUEST];
	size_t len = build_request(t, s, buf);
	ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

	if (n != (ssize_t)len) {
		sub_lost(t, s, LG_ERR_WRITE, now);
		return;
	}
	if (in_measured_phase(t, now))
		t->res.bytes_written += len;
	s->state = SUB_HEAD;
}

static void count_connect_error(struct sub_thread *t, int err)
{
	t->res.connect_errno[err > 0 && err < LG_MAX_ERRNO ? err : 0]++;
}

static void on_connected(struct sub_thread *t, struct sub *s, uint64_t now)
{
	t->res.connections++;
	hist_record(t->res.connect, now - s->connect_us);
	set_events(t, s, EPOLLIN, EPOLL_CTL_MOD);
	send_request(t, s, now);
}

static void sub_connect(struct sub_thread *t, struct sub *s, uint64_t now)
{
	int one = 1;

	s->fd = socket(t->tgt->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		count_connect_error(t, errno);
		sub_lost(t, s, LG_ERR_CONNECT, now);
		return;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->connect_us = now;
	s->deadline = now + t->cfg->timeout_us;
	s->state = SUB_CONNECTING;
	if (connect(s->fd, (const struct sockaddr *)&t->tgt->addr, t->tgt->addrlen) == 0) {
		set_events(t, s, EPOLLIN, EPOLL_CTL_ADD);
		t->res.connections++;
		send_request(t, s, now);
	} else if (errno == EINPROGRESS) {
		set_events(t, s, EPOLLOUT, EPOLL_CTL_ADD);
	} else {
		count_connect_error(t, errno);
		sub_lost(t, s, LG_ERR_CONNECT, now);
	}
}

/* ---- reading: one unit at a time out of s->in ---- */

/* The value of header name in the head (case-insensitive name), or NULL;
 * *len gets its length. */
static const char *header_value(const char *head, size_t headlen, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	const char *p = memchr(head, '\n', headlen), *end = head + headlen;

	while (p && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));

		if (!eol)
			break;
		if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
		    line[nlen] == ':') {
			const char *v = line + nlen + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*len = (size_t)(ve - v);
			return v;
		}
		p = eol;
	}
	return NULL;
}

/* The subscription is on: count it once per subscriber. */
static void mark_held(struct sub_thread *t, struct sub *s)
{
	if (s->held)
		return;
	s->held = true;
	if (!s->ever) {
		s->ever = true;
		t->push.subscribed++;
	}
}

/* A response head of n bytes (through the blank line) for the style.
 * Returns false if it is not the answer expected. */
static bool take_head(struct sub_thread *t, struct sub *s, const char *head, size_t n, uint64_t now)
{
	int status;
	size_t vlen;
	const char *v;

	if (n < 12 || memcmp(head, "HTTP/1.", 7) != 0 || sscanf(head + 9, "%3d", &status) != 1)
		return false;
	/* A 101 is the WebSocket's success, not a 1xx to report. */
	if (!(status == 101 && t->cfg->subscribe == LG_SUB_WS))
		t->res.status[status / 100 < 6 ? status / 100 : 0]++;
	switch (t->cfg->subscribe) {
	case LG_SUB_POLL:
		if (status == 204) {
			mark_held(t, s);
			send_request(t, s, now);
			return true;
		}
		v = header_value(head, n, "content-length", &vlen);
		if (status != 200 || !v)
			return false;
		s->body_left = (uint32_t)strtoul(v, NULL, 10);
		s->state = SUB_BODY;
		mark_held(t, s);
		if (s->body_left == 0) /* nothing in it: ask again */
			send_request(t, s, now);
		return true;
	case LG_SUB_SSE:
		if (status != 200)
			return false;
		s->state = SUB_STREAM;
		break;
	case LG_SUB_WS: {
		char want[32];

		v = header_value(head, n, "sec-websocket-accept", &vlen);
		ws_accept_for(s->key, want);
		if (status != 101 || !v || vlen != strlen(want) || memcmp(v, want, vlen) != 0)
			return false;
		s->state = SUB_STREAM;
		break;
	}
	case LG_SUB_NONE:
		return false;
	}
	mark_held(t, s);
	return true;
}

/* An SSE line: "data: seq=.. t=.." is an event; "id:", comments and
 * blank lines carry nothing the seq does not. */
static bool take_sse_line(struct sub_thread *t, struct sub *s, const char *line, size_t n,
			  uint64_t now_real)
{
	int64_t seq;
	uint64_t tus;

	if (n && line[n - 1] == '\r')
		n--;
	if (n < 5 || memcmp(line, "data:", 5) != 0)
		return true;
	line += 5;
	n -= 5;
	if (n && *line == ' ')
		line++, n--;
	if (!parse_event(line, n, &seq, &tus))
		return false;
	on_event(t, s, seq, tus, now_real);
	return true;
}

/* One WebSocket frame at p (avail bytes).  Returns its length, 0 if it is
 * not all there yet, -1 if it is wrong (a masked server frame, an opcode
 * we do not expect, a close from the server). */
static long take_ws_frame(struct sub_thread *t, struct sub *s, const unsigned char *p, size_t avail,
			  uint64_t now_real)
{
	size_t hlen = 2, len;
	int opcode;
	int64_t seq;
	uint64_t tus;

	if (avail < 2)
		return 0;
	opcode = p[0] & 0x0f;
	if (p[1] & 0x80) /* RFC 6455 5.1: a server never masks */
		return -1;
	len = p[1] & 0x7f;
	if (len == 126) {
		if (avail < 4)
			return 0;
		len = (size_t)p[2] << 8 | p[3];
		hlen = 4;
	} else if (len == 127) {
		return -1; /* no event is that long */
	}
	if (hlen + len > SUB_BUF)
		return -1;
	if (avail < hlen + len)
		return 0;
	if (opcode == 0x1) {
		if (!parse_event((const char *)p + hlen, len, &seq, &tus))
			return -1;
		on_event(t, s, seq, tus, now_real);
	} else if (opcode != 0x9 && opcode != 0xA) {
		return -1; /* close (0x8) or a data frame we did not ask for */
	}
	/* A ping (0x9) is not answered: the wire format's server sends none. */
	return (long)(hlen + len);
}

/* Takes every whole unit out of s->in.  Returns false on a protocol
 * error (counted as a bad response by the caller). */
static bool take_units(struct sub_thread *t, struct sub *s, uint64_t now, uint64_t now_real)
{
	size_t off = 0;

	while (off < s->inlen && s->fd >= 0) {
		char *p = s->in + off;
		size_t avail = s->inlen - off;
		char *nl;
		long used;

		switch (s->state) {
		case SUB_HEAD:
			nl = memmem(p, avail, "\r\n\r\n", 4);
			if (!nl)
				goto partial;
			if (!take_head(t, s, p, (size_t)(nl + 4 - p), now))
				return false;
			off += (size_t)(nl + 4 - p);
			break;
		case SUB_BODY: {
			int64_t seq;
			uint64_t tus;

			nl = memchr(p, '\n', avail < s->body_left ? avail : s->body_left);
			if (!nl && avail >= s->body_left)
				return false; /* the body ends inside a line */
			if (!nl)
				goto partial;
			if (!parse_event(p, (size_t)(nl - p), &seq, &tus))
				return false;
			on_event(t, s, seq, tus, now_real);
			off += (size_t)(nl + 1 - p);
			s->body_left -= (uint32_t)(nl + 1 - p);
			if (s->body_left == 0)
				send_request(t, s, now);
			break;
		}
		case SUB_STREAM:
			if (t->cfg->subscribe == LG_SUB_WS) {
				used = take_ws_frame(t, s, (unsigned char *)p, avail, now_real);
				if (used < 0)
					return false;
				if (used == 0)
					goto partial;
				off += (size_t)used;
				break;
			}
			nl = memchr(p, '\n', avail);
			if (!nl)
				goto partial;
			if (!take_sse_line(t, s, p, (size_t)(nl - p), now_real))
				return false;
			off += (size_t)(nl + 1 - p);
			break;
		default:
			return false; /* bytes before the request was sent */
		}
	}
partial:
	if (s->fd < 0)
		return true;
	if (off == 0 && s->inlen == SUB_BUF)
		return false; /* a unit longer than the buffer: not ours */
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= (uint32_t)off;
	return true;
}

static void on_readable(struct sub_thread *t, struct sub *s, uint64_t now)
{
	ssize_t n = recv(s->fd, s->in + s->inlen, SUB_BUF - s->inlen, 0);

	if (n == 0) {
		sub_lost(t, s, LG_ERR_CLOSED, now);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			sub_lost(t, s, LG_ERR_READ, now);
		return;
	}
	if (in_measured_phase(t, now))
		t->res.bytes_read += (uint64_t)n;
	s->inlen += (uint32_t)n;
	if (!take_units(t, s, now, realtime_us()))
		sub_lost(t, s, LG_ERR_BAD_RESPONSE, now);
}

static void on_writable(struct sub_thread *t, struct sub *s, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		count_connect_error(t, err);
		sub_lost(t, s, LG_ERR_CONNECT, now);
		return;
	}
	on_connected(t, s, now);
}

/* ---- the loop ---- */

/* Deadlines, retries, and starting connects, at most SUB_MAX_PENDING in
 * flight: the limit is on connects (the server's listen queue), not on
 * subscriptions waiting for their answer (a long poll's first answer
 * comes only at the next publish). */
static void tick(struct sub_thread *t, uint64_t now)
{
	int pending = 0;

	for (int i = 0; i < t->nsubs; i++) {
		struct sub *s = &t->subs[i];

		if (s->state != SUB_DOWN && !s->held) {
			if (now >= s->deadline) {
				if (s->state == SUB_CONNECTING)
					count_connect_error(t, ETIMEDOUT);
				sub_lost(t, s,
					 s->state == SUB_CONNECTING ? LG_ERR_CONNECT
								    : LG_ERR_TIMEOUT,
					 now);
			} else {
				pending += s->state == SUB_CONNECTING;
			}
		}
	}
	for (int i = 0; i < t->nsubs && pending < SUB_MAX_PENDING && !t->draining; i++) {
		struct sub *s = &t->subs[i];

		if (s->state == SUB_DOWN && now >= s->deadline) {
			sub_connect(t, s, now);
			pending += s->state == SUB_CONNECTING;
		}
	}
}

/* A WebSocket close frame, status 1000 (normal closure), masked as RFC
 * 6455 5.3 requires of a client: the mask comes from the subscriber's
 * xorshift, a few cycles, not from a system call.  Best effort: the run
 * is over, so a failed send changes no figure. */
static void ws_send_close(struct sub *s)
{
	uint32_t mask = xorshift32(&s->rng);
	unsigned char f[8] = {0x88, 0x80 | 2}; /* FIN + close; masked, 2 bytes */

	memcpy(f + 2, &mask, 4);
	f[6] = (unsigned char)(0x03 ^ f[2]); /* 1000 = 0x03e8, big-endian */
	f[7] = (unsigned char)(0xe8 ^ f[3]);
	(void)send(s->fd, f, sizeof(f), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The newest event published inside the measured phase, or -1 if no
 * event told the period yet. */
static int64_t last_measured_seq(const struct sub_thread *t)
{
	if (!(t->period_us > 0))
		return -1;
	return (int64_t)ceil((double)t->stop_real / t->period_us) - 1;
}

/* After -d the subscribers keep reading until each one that holds its
 * stream has the last event published inside the measured phase (or
 * --timeout passes): a slow delivery is the figure this run is about, so
 * it must not be cut off by the end of the run. */
static bool drained(const struct sub_thread *t)
{
	int64_t last = last_measured_seq(t);

	for (int i = 0; i < t->nsubs; i++)
		if (t->subs[i].held && t->subs[i].last_seq < last)
			return false;
	return true;
}

/* The end of the run: count who still holds a stream, and the measured
 * events it never got; a WebSocket subscriber says goodbye with a masked
 * close frame (status 1000). */
static void finish(struct sub_thread *t)
{
	int64_t last = last_measured_seq(t);

	for (int i = 0; i < t->nsubs; i++) {
		struct sub *s = &t->subs[i];

		if (s->fd < 0)
			continue;
		if (s->held && s->last_seq >= 0 && s->last_seq < last)
			t->push.missed +=
			    missed_between(t, s->last_seq, last + 1,
					   (uint64_t)((double)(last + 1) * t->period_us));
		if (s->held)
			t->push.held_end++;
		if (s->held && t->cfg->subscribe == LG_SUB_WS)
			ws_send_close(s);
		close(s->fd);
		s->fd = -1;
	}
}

static void *thread_run(void *arg)
{
	struct sub_thread *t = arg;
	struct epoll_event ev[SUB_MAX_EVENTS];
	uint64_t now = lg_now_us(), next_tick = now;
	uint64_t drain_end = t->clk->stop_us + t->cfg->timeout_us;

	while (now < drain_end && !lg_stopping) {
		uint64_t until = next_tick < drain_end ? next_tick : drain_end;
		int n;

		if (now >= next_tick) {
			t->draining = lg_run_over(t->clk, now);
			if (t->draining && drained(t))
				break;
			tick(t, now);
			next_tick = now + SUB_TICK_US;
			continue;
		}
		n = epoll_wait(t->epfd, ev, SUB_MAX_EVENTS, (int)((until - now + 999) / 1000));
		if (n < 0 && errno != EINTR)
			lg_die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct sub *s = &t->subs[(uint32_t)ev[i].data.u64];

			if (s->gen != (uint32_t)(ev[i].data.u64 >> 32) || s->fd < 0)
				continue; /* stale: the socket was closed since */
			now = lg_now_us();
			if (s->state == SUB_CONNECTING)
				on_writable(t, s, now);
			else
				on_readable(t, s, now);
		}
		now = lg_now_us();
	}
	finish(t);
	return NULL;
}

/* ---- set-up and results ---- */

static struct hist *new_hist(void)
{
	struct hist *h = hist_new();

	if (!h)
		lg_die("out of memory for a histogram");
	return h;
}

static void thread_init(struct sub_thread *t, const struct lg_config *cfg,
			const struct lg_target *tgt, const struct lg_clock *clk, const char *host,
			int first, int count)
{
	uint64_t mono = lg_now_us(), real = realtime_us();

	*t = (struct sub_thread){.cfg = cfg, .tgt = tgt, .clk = clk, .host = host, .nsubs = count};
	t->measure_real = real + (clk->measure_us - mono);
	t->stop_real = real + (clk->stop_us - mono);
	t->subs = calloc((size_t)(count ? count : 1), sizeof(*t->subs));
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!t->subs || t->epfd < 0)
		lg_die("subscriber set-up: %s", t->subs ? strerror(errno) : "out of memory");
	t->res.latency = new_hist();
	t->res.connect = new_hist();
	t->res.ttfb = new_hist();
	t->push.delivery = new_hist();
	for (int i = 0; i < count; i++) {
		t->subs[i].fd = -1;
		t->subs[i].last_seq = -1;
		t->subs[i].rng = 2463534242u ^ (uint32_t)(first + i) * 2654435761u;
		if (!t->subs[i].rng)
			t->subs[i].rng = 1;
	}
}

static void thread_free(struct sub_thread *t)
{
	close(t->epfd);
	free(t->subs);
	hist_free(t->res.latency);
	hist_free(t->res.connect);
	hist_free(t->res.ttfb);
	hist_free(t->push.delivery);
}

static void add_thread(struct lg_summary *s, const struct sub_thread *t)
{
	lg_result_add(&s->total, &t->res);
	s->push.events += t->push.events;
	s->push.missed += t->push.missed;
	s->push.duplicates += t->push.duplicates;
	s->push.reconnects += t->push.reconnects;
	s->push.subscribed += t->push.subscribed;
	s->push.held_end += t->push.held_end;
	hist_merge(s->push.delivery, t->push.delivery);
}

void subscribers_run(const struct lg_config *cfg, const struct lg_target *tgt, struct lg_clock *clk,
		     struct lg_summary *s)
{
	struct sub_thread *ts = calloc((size_t)cfg->threads, sizeof(*ts));
	pthread_t *tids = calloc((size_t)cfg->threads, sizeof(*tids));
	bool v6 = strchr(cfg->host, ':') != NULL;
	char host[300];
	int first = 0;

	if (!ts || !tids)
		lg_die("out of memory");
	snprintf(host, sizeof(host), "%s%s%s:%s", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
		 cfg->port);
	clk->start_us = lg_now_us();
	clk->measure_us = clk->start_us + cfg->warmup_us;
	clk->stop_us = clk->measure_us + cfg->duration_us;
	for (int i = 0; i < cfg->threads; i++) {
		int count = cfg->connections / cfg->threads + (i < cfg->connections % cfg->threads);

		thread_init(&ts[i], cfg, tgt, clk, host, first, count);
		first += count;
	}
	for (int i = 0; i < cfg->threads; i++)
		if ((errno = pthread_create(&tids[i], NULL, thread_run, &ts[i])))
			lg_die("pthread_create: %s", strerror(errno));
	for (int i = 0; i < cfg->threads; i++)
		pthread_join(tids[i], NULL);
	s->total.latency = new_hist();
	s->total.connect = new_hist();
	s->total.ttfb = new_hist();
	s->push.delivery = new_hist();
	s->total.end_us = clk->stop_us;
	for (int i = 0; i < cfg->threads; i++) {
		add_thread(s, &ts[i]);
		thread_free(&ts[i]);
	}
	free(ts);
	free(tids);
}
