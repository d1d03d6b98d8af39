/*
 * push.c - server-sent events, long polling and WebSocket (see push.h).
 *
 * The session's push state is a few fields of struct session: the mode, the
 * next event owed (push_seq), a poll's timeout, and for WebSocket the
 * fragmented message being received.  Nothing is allocated: events are made
 * from their number when they are written.
 */
#include "push.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "stats.h"
#include "ws.h"

/* Room for one event in any of its three forms (SSE's is the longest:
 * "id: " 20 digits "\ndata: seq=" 20 " t=" 20 "\n\n"). */
#define EVENT_ROOM 96

uint64_t push_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t push_period_us(const struct server_config *cfg)
{
	uint64_t p = 1000000 / (uint64_t)cfg->publish_hz;

	return p ? p : 1;
}

/* The newest published event at real time now_us. */
static uint64_t newest_event(const struct server_config *cfg, uint64_t now_us)
{
	return now_us / push_period_us(cfg);
}

/* The first of the events after `after` that a batch ending at newest
 * carries: at most PUSH_BATCH_MAX, the newest ones. */
static uint64_t batch_first(uint64_t after, uint64_t newest)
{
	uint64_t first = after + 1;

	if (newest >= PUSH_BATCH_MAX && first < newest - (PUSH_BATCH_MAX - 1))
		first = newest - (PUSH_BATCH_MAX - 1);
	return first;
}

/* ---- routing and headers ---- */

static int path_is(const struct http_request *req, const char *path, size_t *query)
{
	size_t n = strlen(path);

	if (req->path_len < n || memcmp(req->path, path, n) != 0)
		return 0;
	if (req->path_len > n && req->path[n] != '?')
		return 0;
	*query = n;
	return 1;
}

enum push_mode push_route(const struct server_config *cfg, const struct http_request *req)
{
	size_t q;

	if (cfg->publish_hz <= 0 || req->method_len != 3 || memcmp(req->method, "GET", 3) != 0)
		return PUSH_NONE;
	if (path_is(req, "/events", &q))
		return PUSH_SSE;
	if (path_is(req, "/poll", &q))
		return PUSH_POLL;
	if (path_is(req, "/ws", &q))
		return PUSH_WS;
	return PUSH_NONE;
}

/* Finds header `name` in a head the HTTP parser has accepted; sets *v and
 * *v_len to its value without surrounding blanks.  Returns 0, or -1 when it
 * is absent. */
static int find_header(const char *head, size_t len, const char *name, const char **v,
		       size_t *v_len)
{
	const char *p = head, *end = head + len;
	size_t name_len = strlen(name);

	p = memchr(p, '\n', len); /* skip the request line */
	while (p != NULL && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		const char *e = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if ((size_t)(e - p) > name_len && p[name_len] == ':' &&
		    strncasecmp(p, name, name_len) == 0) {
			const char *a = p + name_len + 1;
			while (a < e && (*a == ' ' || *a == '\t'))
				a++;
			while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*v = a;
			*v_len = (size_t)(e - a);
			return 0;
		}
		p = eol;
	}
	return -1;
}

/* True when the comma-separated list v[0..len) holds token (any case). */
static int has_token(const char *v, size_t len, const char *token)
{
	size_t t = strlen(token);
	const char *p = v, *end = v + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		const char *q = e;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if ((size_t)(q - p) == t && strncasecmp(p, token, t) == 0)
			return 1;
		p = comma ? comma + 1 : end;
	}
	return 0;
}

/* A plain decimal number in v[0..len).  Returns 0, or -1. */
static int parse_u64(const char *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0 || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return 0;
}

/* ---- writing ---- */

/* Appends printf output to out if it fits; returns the length, or 0. */
#define APPEND(out, cap, len, ...)                                                                 \
	({                                                                                         \
		int n_ = snprintf((out) + *(len), (cap) - *(len), __VA_ARGS__);                    \
		size_t w_ = n_ > 0 && (size_t)n_ < (cap) - *(len) ? (size_t)n_ : 0;                \
		*(len) += w_;                                                                      \
		w_;                                                                                \
	})

static const char *conn_header(const struct session *s)
{
	if (!s->keep_alive && s->minor_version >= 1)
		return "Connection: close\r\n";
	if (s->keep_alive && s->minor_version == 0)
		return "Connection: keep-alive\r\n";
	return "";
}

/* One event in the stream's framing. */
static size_t write_event(const struct session *s, const struct server_config *cfg, uint64_t k,
			  char *out, size_t cap, size_t *len)
{
	unsigned long long seq = k, t = k * push_period_us(cfg);
	char text[EVENT_ROOM], hdr[10];
	int n;

	if (s->push == PUSH_SSE)
		return APPEND(out, cap, len, "id: %llu\ndata: seq=%llu t=%llu\n\n", seq, seq, t);
	n = snprintf(text, sizeof(text), "seq=%llu t=%llu", seq, t);
	size_t h = ws_frame_header(hdr, 1, WS_TEXT, (size_t)n);
	if (cap - *len < h + (size_t)n)
		return 0;
	memcpy(out + *len, hdr, h);
	memcpy(out + *len + h, text, (size_t)n);
	*len += h + (size_t)n;
	return h + (size_t)n;
}

/* Writes the events after s->push_seq - 1 that are due now, at most
 * PUSH_BATCH_MAX; those that do not fit in out are skipped (a slow
 * subscriber's gap). */
static void write_due(struct session *s, const struct server_config *cfg, char *out, size_t cap,
		      size_t *len)
{
	uint64_t newest = newest_event(cfg, push_realtime_us());
	uint64_t k;

	if (s->push_seq > newest)
		return;
	for (k = batch_first(s->push_seq - 1, newest); k <= newest; k++)
		if (write_event(s, cfg, k, out, cap, len) == 0)
			break;
	s->push_seq = newest + 1;
}

/* The answer to a poll for the events after s->push_seq: 200 with them,
 * or 204 when there are none. */
static void write_poll_answer(struct session *s, const struct server_config *cfg, uint64_t newest,
			      char *out, size_t cap, size_t *len)
{
	char body[PUSH_BATCH_MAX * 48];
	size_t body_len = 0;

	if (newest > s->push_seq) {
		for (uint64_t k = batch_first(s->push_seq, newest); k <= newest; k++)
			APPEND(body, sizeof(body), &body_len, "seq=%llu t=%llu\n",
			       (unsigned long long)k,
			       (unsigned long long)(k * push_period_us(cfg)));
		APPEND(out, cap, len,
		       "HTTP/1.%d 200 OK\r\nServer: modelbench\r\nDate: %s\r\n"
		       "Content-Type: text/plain\r\nCache-Control: no-cache\r\n"
		       "Content-Length: %zu\r\n%s\r\n%.*s",
		       s->minor_version, http_date(), body_len, conn_header(s), (int)body_len,
		       body);
	} else {
		APPEND(out, cap, len,
		       "HTTP/1.%d 204 No Content\r\nServer: modelbench\r\nDate: %s\r\n%s\r\n",
		       s->minor_version, http_date(), conn_header(s));
	}
}

/* A bad push request: 400, and the connection closes. */
static enum session_step bad_request(struct session *s, char *out, size_t cap, size_t *len)
{
	stats_add(STAT_BAD_REQUESTS, 1);
	*len += http_write_response(out + *len, cap - *len, 400, 1, false, false);
	s->push = PUSH_NONE;
	s->closing = 1;
	return SESSION_CLOSE;
}

/* ---- starting ---- */

static enum session_step start_sse(struct session *s, const struct server_config *cfg,
				   const char *head, size_t head_len, char *out, size_t cap,
				   size_t *len)
{
	uint64_t newest = newest_event(cfg, push_realtime_us()), last;
	const char *v;
	size_t v_len;

	s->push_seq = newest + 1; /* the first event published after now */
	if (find_header(head, head_len, "Last-Event-ID", &v, &v_len) == 0) {
		if (parse_u64(v, v_len, &last) < 0)
			return bad_request(s, out, cap, len);
		if (last < newest)
			s->push_seq = last + 1; /* a resume: what it missed, at once */
	}
	/* No Content-Length and no chunking: the body runs until the close,
	 * so the connection cannot be kept alive after it. */
	APPEND(out, cap, len,
	       "HTTP/1.%d 200 OK\r\nServer: modelbench\r\nDate: %s\r\n"
	       "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
	       "Connection: close\r\n\r\n",
	       s->minor_version, http_date());
	write_due(s, cfg, out, cap, len);
	return SESSION_DELAY;
}

static enum session_step start_poll(struct session *s, const struct server_config *cfg,
				    const struct http_request *req, char *out, size_t cap,
				    size_t *len)
{
	uint64_t now = push_realtime_us(), newest = newest_event(cfg, now);
	const char *q = req->path + 5; /* after "/poll" */
	size_t q_len = req->path_len - 5;

	s->push_seq = newest; /* without since: the next event */
	if (q_len > 0) {
		if (q_len < 7 || memcmp(q, "?since=", 7) != 0 ||
		    parse_u64(q + 7, q_len - 7, &s->push_seq) < 0)
			return bad_request(s, out, cap, len);
	}
	s->poll_end_us = now + (uint64_t)cfg->poll_timeout_ms * 1000;
	return push_process(s, cfg, NULL, 0, &(size_t){0}, out, cap, len);
}

static enum session_step start_ws(struct session *s, const struct server_config *cfg,
				  const struct http_request *req, const char *head, size_t head_len,
				  char *out, size_t cap, size_t *len)
{
	const char *v, *key;
	size_t v_len, key_len;
	char accept[29];

	if (req->minor_version != 1 || find_header(head, head_len, "Upgrade", &v, &v_len) < 0 ||
	    !has_token(v, v_len, "websocket") ||
	    find_header(head, head_len, "Connection", &v, &v_len) < 0 ||
	    !has_token(v, v_len, "upgrade") ||
	    find_header(head, head_len, "Sec-WebSocket-Version", &v, &v_len) < 0 || v_len != 2 ||
	    memcmp(v, "13", 2) != 0 ||
	    find_header(head, head_len, "Sec-WebSocket-Key", &key, &key_len) < 0 ||
	    !ws_key_valid(key, key_len))
		return bad_request(s, out, cap, len);
	ws_accept_key(key, key_len, accept);
	APPEND(out, cap, len,
	       "HTTP/1.1 101 Switching Protocols\r\nServer: modelbench\r\n"
	       "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	       accept);
	s->push_seq = newest_event(cfg, push_realtime_us()) + 1;
	s->ws_frag = 0;
	s->ws_utf8 = 0;
	s->ws_msg_len = 0;
	return SESSION_DELAY;
}

enum session_step push_start(struct session *s, const struct server_config *cfg,
			     enum push_mode mode, const struct http_request *req, const char *head,
			     size_t head_len, char *out, size_t out_cap, size_t *out_len)
{
	stats_add(STAT_REQUESTS, 1);
	s->push = (uint8_t)mode;
	s->minor_version = (uint8_t)req->minor_version;
	s->keep_alive = req->keep_alive;
	if (req->content_length > 0)
		return bad_request(s, out, out_cap, out_len); /* a subscription has no body */
	if (mode == PUSH_SSE)
		return start_sse(s, cfg, head, head_len, out, out_cap, out_len);
	if (mode == PUSH_POLL)
		return start_poll(s, cfg, req, out, out_cap, out_len);
	return start_ws(s, cfg, req, head, head_len, out, out_cap, out_len);
}

/* ---- WebSocket frames ---- */

/* Our close frame with status (0: none), and the end of the session. */
static enum session_step ws_close(struct session *s, int status, char *out, size_t cap, size_t *len)
{
	size_t h = ws_frame_header(out + *len, 1, WS_CLOSE, status ? 2 : 0);

	if (status) {
		out[*len + h] = (char)(status >> 8);
		out[*len + h + 1] = (char)status;
	}
	*len += h + (status ? 2 : 0);
	if (status >= WS_PROTOCOL_ERROR)
		stats_add(STAT_BAD_REQUESTS, 1);
	s->closing = 1;
	return SESSION_CLOSE;
}

/* True for a status a close frame may carry (RFC 6455 7.4). */
static int close_status_valid(int st)
{
	return (st >= 1000 && st <= 1003) || (st >= 1007 && st <= 1011) ||
	       (st >= 3000 && st <= 4999);
}

/* Answers the client's close frame: the same status back, then the end. */
static enum session_step ws_on_close(struct session *s, const char *p, size_t n, char *out,
				     size_t cap, size_t *len)
{
	uint32_t utf8 = 0;
	int st;

	if (n == 0)
		return ws_close(s, 0, out, cap, len);
	st = n >= 2 ? ((unsigned char)p[0] << 8 | (unsigned char)p[1]) : 0;
	if (n == 1 || !close_status_valid(st))
		return ws_close(s, WS_PROTOCOL_ERROR, out, cap, len);
	if (ws_utf8_feed(&utf8, p + 2, n - 2) < 0 || utf8 != 0)
		return ws_close(s, WS_INVALID_DATA, out, cap, len);
	return ws_close(s, st, out, cap, len);
}

/* One complete frame f, whose unmasked payload is p: echo, pong, close.
 * Returns SESSION_NEED_INPUT to go on with the next frame. */
static enum session_step ws_on_frame(struct session *s, const struct ws_frame *f, const char *p,
				     char *out, size_t cap, size_t *len)
{
	int op = f->opcode;

	if (op == WS_CLOSE)
		return ws_on_close(s, p, f->len, out, cap, len);
	if (op == WS_PONG)
		return SESSION_NEED_INPUT;
	if (op == WS_PING) {
		*len += ws_frame_header(out + *len, 1, WS_PONG, f->len);
		memmove(out + *len, p, f->len);
		*len += f->len;
		return SESSION_NEED_INPUT;
	}
	/* A data frame: it starts a message, or continues the open one. */
	if ((op == WS_CONT) != (s->ws_frag != 0))
		return ws_close(s, WS_PROTOCOL_ERROR, out, cap, len);
	if (op != WS_CONT) {
		s->ws_frag = (uint8_t)op;
		s->ws_utf8 = 0;
		s->ws_msg_len = 0;
	}
	if (f->len > WS_MAX_MESSAGE - s->ws_msg_len)
		return ws_close(s, WS_TOO_BIG, out, cap, len);
	s->ws_msg_len += (uint32_t)f->len;
	if (s->ws_frag == WS_TEXT &&
	    (ws_utf8_feed(&s->ws_utf8, p, f->len) < 0 || (f->fin && s->ws_utf8 != 0)))
		return ws_close(s, WS_INVALID_DATA, out, cap, len);
	/* Echo the frame as it came (same opcode and FIN), so a fragmented
	 * message comes back fragmented the same way. */
	*len += ws_frame_header(out + *len, f->fin, op, f->len);
	memmove(out + *len, p, f->len);
	*len += f->len;
	if (f->fin)
		s->ws_frag = 0;
	stats_add(STAT_REQUESTS, 1);
	return SESSION_NEED_INPUT;
}

/* Answers every complete frame in in[0..in_len) that output has room for. */
static enum session_step ws_frames(struct session *s, const char *in, size_t in_len,
				   size_t *consumed, char *out, size_t cap, size_t *len)
{
	size_t off = 0;
	struct ws_frame f;
	int n, status;

	while (off < in_len) {
		if (cap - *len < 16) { /* room for a close frame, at least */
			*consumed = off;
			return SESSION_OUTPUT_FULL;
		}
		n = ws_parse_frame(in + off, in_len - off, &f, &status);
		if (n < 0) {
			*consumed = in_len; /* nothing after a bad frame is trusted */
			return ws_close(s, status, out, cap, len);
		}
		if (n == 0)
			break;
		/* The answer (echo, pong or close) is as long as the frame's
		 * payload, behind a header of h bytes: unmask the payload right
		 * where the answer's goes, so that it is written in place. */
		size_t h = f.len < 126 ? 2 : 4;
		if (cap - *len < h + f.len) {
			*consumed = off;
			if (*len == 0) /* cannot happen with a 64 KiB buffer */
				return ws_close(s, WS_TOO_BIG, out, cap, len);
			return SESSION_OUTPUT_FULL;
		}
		char *p = out + *len + h;
		ws_unmask(&f, p);
		off += (size_t)n;
		enum session_step step = ws_on_frame(s, &f, p, out, cap, len);
		if (step != SESSION_NEED_INPUT) {
			*consumed = in_len;
			return step;
		}
	}
	*consumed = off;
	return SESSION_NEED_INPUT;
}

/* ---- running ---- */

static enum session_step run_poll(struct session *s, const struct server_config *cfg, char *out,
				  size_t cap, size_t *len)
{
	uint64_t now = push_realtime_us(), newest = newest_event(cfg, now);

	if (newest <= s->push_seq && now < s->poll_end_us)
		return SESSION_DELAY; /* nothing new yet: held */
	write_poll_answer(s, cfg, newest, out, cap, len);
	s->push = PUSH_NONE;
	if (!s->keep_alive) {
		s->closing = 1;
		return SESSION_CLOSE;
	}
	return SESSION_NEED_INPUT;
}

enum session_step push_process(struct session *s, const struct server_config *cfg, const char *in,
			       size_t in_len, size_t *consumed, char *out, size_t out_cap,
			       size_t *out_len)
{
	enum session_step step = SESSION_DELAY;

	*consumed = 0;
	if (out_cap - *out_len < PUSH_ROOM)
		return SESSION_OUTPUT_FULL;
	if (s->push == PUSH_POLL)
		return run_poll(s, cfg, out, out_cap, out_len);
	if (s->push == PUSH_SSE) {
		*consumed = in_len; /* a stream's client has nothing more to say */
	} else {
		step = ws_frames(s, in, in_len, consumed, out, out_cap, out_len);
		if (step == SESSION_CLOSE || step == SESSION_OUTPUT_FULL)
			return step;
		step = SESSION_DELAY;
	}
	write_due(s, cfg, out, out_cap, out_len);
	return step;
}

uint64_t push_delay_us(const struct session *s, const struct server_config *cfg)
{
	uint64_t now = push_realtime_us(), period = push_period_us(cfg);
	uint64_t us = (now / period + 1) * period - now;
	uint64_t cut = (uint64_t)cfg->poll_timeout_ms * 1000;

	if (s->push == PUSH_POLL)
		cut = s->poll_end_us > now ? s->poll_end_us - now : 0;
	return us < cut ? us : cut;
}
