/*
 * session.c - the echo and HTTP state machines (lines is in lines.c).
 *
 * HTTP life of a request: parse the head (re-parsed from its start until it
 * is complete), discard its body, then answer -- at once, or after the
 * model's delay.  A bad head is answered with its error status and the
 * connection closes: after a framing error nothing that follows can be
 * trusted to be a request, so nothing that follows is answered.
 */
#include "session.h"

#include "http.h"
#include "lines.h"
#include "push.h"
#include "stats.h"
#include "util.h"

#include <string.h>

/* Room a response needs in the output buffer (the largest is ~250 bytes). */
#define RESPONSE_ROOM 512

enum { PHASE_HEAD, PHASE_BODY };

void session_init(struct session *s, enum proto proto)
{
	*s = (struct session){.proto = (uint8_t)proto};
}

void session_end(struct session *s)
{
	lines_end(s);
}

int session_in_head(const struct session *s, size_t unconsumed)
{
	/* A partial line is a request in the making, as a partial head is:
	 * --header-timeout bounds a line trickled a byte at a time (the
	 * blocking models already did so for any held input). */
	if (s->proto == PROTO_LINES)
		return unconsumed > 0;
	return s->proto == PROTO_HTTP && !s->pending && !s->push && s->body_left == 0 &&
	       s->phase == PHASE_HEAD && unconsumed > 0;
}

int session_is_push(const struct session *s)
{
	return s->push != PUSH_NONE;
}

uint64_t session_delay_us(const struct session *s, const struct server_config *cfg, uint64_t now_us)
{
	(void)now_us;
	return s->push ? push_delay_us(s, cfg) : (uint64_t)cfg->delay_us;
}

/* The request is complete: do its work, then answer now or after the delay. */
static enum session_step finish_request(struct session *s, const struct server_config *cfg,
					char *out, size_t out_cap, size_t *out_len)
{
	stats_add(STAT_REQUESTS, 1);
	if (cfg->work_ns && !cfg->defer_work)
		util_spin_ns(cfg->work_ns);
	s->phase = PHASE_HEAD;
	if (cfg->delay_us || (cfg->work_ns && cfg->defer_work)) {
		s->pending = 1;
		return SESSION_DELAY;
	}
	*out_len += http_write_response(out + *out_len, out_cap - *out_len, s->status,
					s->minor_version, s->keep_alive, s->head_only);
	if (!s->keep_alive) {
		s->closing = 1;
		return SESSION_CLOSE;
	}
	return SESSION_NEED_INPUT; /* the caller's loop carries on parsing */
}

/* Answers a bad head with its error status; the connection then closes. */
static enum session_step reject(struct session *s, int status, char *out, size_t out_cap,
				size_t *out_len)
{
	stats_add(STAT_BAD_REQUESTS, 1);
	*out_len +=
	    http_write_response(out + *out_len, out_cap - *out_len, status, 1, false, false);
	s->closing = 1;
	return SESSION_CLOSE;
}

static enum session_step http_process(struct session *s, const struct server_config *cfg,
				      const char *in, size_t in_len, size_t *consumed, char *out,
				      size_t out_cap, size_t *out_len)
{
	struct http_request req;
	enum session_step step;
	size_t off = 0;
	int n;

	for (;;) {
		if (out_cap - *out_len < RESPONSE_ROOM) {
			step = SESSION_OUTPUT_FULL;
			break;
		}
		if (s->pending) { /* the delay is over: answer */
			s->pending = 0;
			*out_len +=
			    http_write_response(out + *out_len, out_cap - *out_len, s->status,
						s->minor_version, s->keep_alive, s->head_only);
			if (!s->keep_alive) {
				s->closing = 1;
				step = SESSION_CLOSE;
				break;
			}
			continue;
		}
		if (s->phase == PHASE_BODY) {
			uint64_t take = in_len - off < s->body_left ? in_len - off : s->body_left;
			off += take;
			s->body_left -= take;
			if (s->body_left > 0) {
				step = SESSION_NEED_INPUT;
				break;
			}
			step = finish_request(s, cfg, out, out_cap, out_len);
			if (step != SESSION_NEED_INPUT)
				break;
			continue;
		}
		n = http_parse_request(in + off, in_len - off, &req);
		if (n == -2) {
			step = SESSION_NEED_INPUT;
			break;
		}
		if (n == -1) {
			off = in_len; /* whatever follows is not trusted */
			step = reject(s, req.status, out, out_cap, out_len);
			break;
		}
		enum push_mode mode = push_route(cfg, &req);
		if (mode != PUSH_NONE) {
			if (out_cap - *out_len < PUSH_ROOM) {
				step = SESSION_OUTPUT_FULL; /* parsed again once there is room */
				break;
			}
			off += (size_t)n;
			step = push_start(s, cfg, mode, &req, in + off - (size_t)n, (size_t)n, out,
					  out_cap, out_len);
			if (step == SESSION_NEED_INPUT)
				continue; /* a poll answered at once: keep-alive goes on */
			if (step == SESSION_CLOSE)
				off = in_len; /* after an error answer, nothing is trusted */
			break;
		}
		off += (size_t)n;
		s->status = (uint16_t)http_route(&req);
		s->minor_version = (uint8_t)req.minor_version;
		s->keep_alive = req.keep_alive;
		s->head_only = req.method_len == 4 && req.method[0] == 'H';
		s->body_left = req.content_length;
		s->phase = PHASE_BODY;
	}
	*consumed = off;
	return step;
}

static enum session_step echo_process(struct session *s, const struct server_config *cfg,
				      const char *in, size_t in_len, size_t *consumed, char *out,
				      size_t out_cap, size_t *out_len)
{
	size_t room = out_cap - *out_len, n = in_len < room ? in_len : room;

	*consumed = 0;
	if (in_len == 0)
		return SESSION_NEED_INPUT;
	if (room == 0)
		return SESSION_OUTPUT_FULL;
	if (!s->pending && (cfg->delay_us || cfg->work_ns)) {
		/* Each chunk read is one "request" to the simulated backend. */
		if (cfg->work_ns && !cfg->defer_work)
			util_spin_ns(cfg->work_ns);
		if (cfg->delay_us || cfg->defer_work) {
			s->pending = 1;
			return SESSION_DELAY;
		}
	}
	s->pending = 0;
	memcpy(out + *out_len, in, n);
	*out_len += n;
	*consumed = n;
	stats_add(STAT_REQUESTS, 1);
	return n == in_len ? SESSION_NEED_INPUT : SESSION_OUTPUT_FULL;
}

enum session_step session_process(struct session *s, const struct server_config *cfg,
				  const char *in, size_t in_len, size_t *consumed, char *out,
				  size_t out_cap, size_t *out_len)
{
	if (s->closing) {
		*consumed = in_len;
		return SESSION_CLOSE;
	}
	if (s->push) {
		enum session_step step =
		    push_process(s, cfg, in, in_len, consumed, out, out_cap, out_len);
		if (s->push || step != SESSION_NEED_INPUT)
			return step;
		/* a poll was answered: the requests behind it are next */
	}
	if (s->proto == PROTO_ECHO)
		return echo_process(s, cfg, in, in_len, consumed, out, out_cap, out_len);
	if (s->proto == PROTO_LINES)
		return lines_process(s, cfg, in, in_len, consumed, out, out_cap, out_len);
	return http_process(s, cfg, in, in_len, consumed, out, out_cap, out_len);
}
