/*
 * session.h - the protocol state machine every model runs.
 *
 * A session turns received bytes into bytes to send, for --proto echo,
 * http or lines.  It does no I/O, and allocates nothing except the previous
 * line of a lines session (lib/lines.h), which session_end() frees: the
 * model passes in the bytes it has read and an output buffer it owns, and
 * the session says what to do next.  Blocking models and event loops run
 * exactly this code, which is what makes the comparison fair.
 *
 * The session also applies the per-request knobs: --work-us (a CPU spin,
 * done here) and --delay-us (returned as SESSION_DELAY, because how to wait is
 * the model's business: a blocking model sleeps, an event loop arms a timer).
 * With cfg->defer_work the session skips the spin and returns SESSION_DELAY
 * even when there is no --delay-us, so that the model runs the spin on
 * another thread (epoll-offload); no other model sets it.
 */
#ifndef MODELBENCH_SESSION_H
#define MODELBENCH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "opt.h"

/* Echo output per connection is bounded by this; a model stops reading a
 * connection whose unsent output reaches it (backpressure). */
#define SESSION_OUT_MAX (64 * 1024)

enum session_step {
	SESSION_NEED_INPUT,  /* consumed what it could; read more */
	SESSION_OUTPUT_FULL, /* send some output, then call again */
	SESSION_DELAY,	     /* wait session_delay_us() (and, with cfg->defer_work
			      * and no push, run conn_run_job()), then call again */
	SESSION_CLOSE	     /* send the output, then close */
};

struct lines_prev; /* lib/lines.c */

struct session {
	uint8_t proto;	       /* enum proto */
	uint8_t pending;       /* a response is owed after the delay */
	uint8_t closing;       /* the last response is out; close after it */
	uint8_t head_only;     /* pending response to HEAD */
	uint8_t keep_alive;    /* pending response keeps the connection */
	uint8_t minor_version; /* pending response's HTTP/1.x */
	uint8_t phase;	       /* reading a head, or discarding a body */
	uint16_t status;       /* pending response's status */
	uint64_t body_left;    /* request body bytes still to discard */

	/* lines: the previous line, or NULL before the first one */
	struct lines_prev *lines_prev;
	/* Server push (lib/push.h); push is PUSH_NONE for every other request. */
	uint8_t push;	      /* enum push_mode of the subscription held */
	uint8_t ws_frag;      /* WebSocket: opcode of the fragmented message open, or 0 */
	uint32_t ws_utf8;     /* its UTF-8 state (ws_utf8_feed) */
	uint32_t ws_msg_len;  /* its length so far */
	uint64_t push_seq;    /* streams: next event owed; poll: answer events after it */
	uint64_t poll_end_us; /* poll: CLOCK_REALTIME of its 204 */
};

void session_init(struct session *s, enum proto proto);

/* Runs the protocol over in[0..in_len), appending to out[*out_len..out_cap).
 * Sets *consumed to the input bytes used (the caller keeps the rest and
 * passes them again, with more, next time) and advances *out_len.  Returns
 * what the model must do next.  out_cap must be at least 4 KiB (a lines
 * answer takes up to 2 KiB). */
enum session_step session_process(struct session *s, const struct server_config *cfg,
				  const char *in, size_t in_len, size_t *consumed, char *out,
				  size_t out_cap, size_t *out_len);

/* Frees what the session allocated (a lines session's previous line).
 * Every model calls it where it closes a connection; s may be reused after
 * session_init(). */
void session_end(struct session *s);

/* How long to wait after SESSION_DELAY: cfg->delay_us, or for a push
 * subscriber (session_is_push) the time until the next publish tick or its
 * poll's timeout (lib/push.h).  now_us is the caller's clock (util_now_us);
 * the model adds the result to it for its timer. */
uint64_t session_delay_us(const struct session *s, const struct server_config *cfg,
			  uint64_t now_us);

/* True while the session holds a push subscription: its SESSION_DELAY is a
 * wait for events, never --delay-us, --delay-blocking or a --work-us job.
 * Such a session also takes input while it waits (WebSocket frames, a
 * stream's EOF): a model may read and call session_process() again before
 * the delay ends (lib/blocking.c does), or read what came when it ends. */
int session_is_push(const struct session *s);

/* True while the session holds part of a request head (or, for lines, of
 * a line): the model enforces --header-timeout only then. */
int session_in_head(const struct session *s, size_t unconsumed);

#endif
