/*
 * push.h - server push: server-sent events, long polling and WebSocket,
 * on the normal --proto http server, in the wire format the load
 * generator's --subscribe speaks (README.md, "Server push").
 *
 * Events are published by the clock, not by a publisher: with --publish-hz
 * F, period = 1e6 / F microseconds (integer division), event k is published
 * at k * period in CLOCK_REALTIME microseconds, and its text is
 * "seq=<k> t=<k * period>".  Every model, thread and process therefore
 * publishes the very same events with no shared state, and the load
 * generator measures delivery latency as its arrival time minus t.
 *
 * How a subscriber waits.  A held subscriber (an SSE stream, a held poll, a
 * WebSocket between frames) makes the session return SESSION_DELAY, and the
 * model waits session_delay_us() - the time to the next publish tick (or to
 * the poll's timeout) - with the same timer it uses for --delay-us, then
 * calls the session again, which writes every event due and waits again.
 * Waits end at the next tick, so their deadlines come in the order they were
 * set and the FIFO timer queues (conn_fifo) stay correct; an SSE or
 * WebSocket wait is also cut at --poll-timeout-ms so that it never ends
 * after a poll armed later (opt.c refuses --delay-us with push for the same
 * reason).
 *
 * What a subscriber does not get while it waits.  The event loops watch one
 * thing per connection at a time (lib/conn.h), and a waiting subscriber
 * watches its timer, not its socket: a client's close is seen at the next
 * tick (conn.c reads what has arrived then), and WebSocket frames the client
 * sends (text, ping, close) are answered at the next tick, within 1/F.  The
 * blocking models (lib/blocking.c) and green-threads do better: they read
 * with a timeout until the tick, so they answer frames at once.
 *
 * Slow subscribers: a tick writes at most what fits in the caller's output
 * buffer (SESSION_OUT_MAX, 64 KiB) and the model sends nothing more until
 * that has gone out; events published meanwhile are skipped for that
 * subscriber (it sees a gap in seq), so a subscriber that never reads holds
 * at most 64 KiB of our memory (plus the kernel's socket buffers), and the
 * event models close it after --idle-timeout without progress.
 */
#ifndef MODELBENCH_PUSH_H
#define MODELBENCH_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "opt.h"
#include "session.h"

/* At most this many events in one answer: a resume, a poll, a late tick.
 * Older ones are skipped (the subscriber sees a gap). */
#define PUSH_BATCH_MAX 64

enum push_mode { PUSH_NONE, PUSH_SSE, PUSH_POLL, PUSH_WS };

/* The push endpoint a request names (GET /events, /poll, /ws), or
 * PUSH_NONE; always PUSH_NONE when --publish-hz is 0. */
enum push_mode push_route(const struct server_config *cfg, const struct http_request *req);

/* Output room push_start() and push_process() need to make progress. */
#define PUSH_ROOM (8 * 1024)

/* Starts serving a push request whose head is head[0..head_len): writes the
 * response head (and for a resume or a ready poll, the events) to out.
 * Returns SESSION_DELAY to wait for the next tick, SESSION_NEED_INPUT when
 * a poll was answered at once and HTTP goes on, SESSION_CLOSE after an
 * error answer (400). */
enum session_step push_start(struct session *s, const struct server_config *cfg,
			     enum push_mode mode, const struct http_request *req, const char *head,
			     size_t head_len, char *out, size_t out_cap, size_t *out_len);

/* Runs a push session (s->push != PUSH_NONE) over in[0..in_len), as
 * session_process() does.  A poll consumes nothing and returns
 * SESSION_NEED_INPUT with s->push cleared once answered (the caller then
 * parses the next request); a stream writes the events due, answers
 * WebSocket frames, and returns SESSION_DELAY, SESSION_OUTPUT_FULL or
 * SESSION_CLOSE. */
enum session_step push_process(struct session *s, const struct server_config *cfg, const char *in,
			       size_t in_len, size_t *consumed, char *out, size_t out_cap,
			       size_t *out_len);

/* Microseconds until a waiting push session should run again. */
uint64_t push_delay_us(const struct session *s, const struct server_config *cfg);

/* The publish period in microseconds (cfg->publish_hz > 0). */
uint64_t push_period_us(const struct server_config *cfg);

/* CLOCK_REALTIME in microseconds since the Unix epoch: the events' clock. */
uint64_t push_realtime_us(void);

#endif
