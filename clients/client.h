/*
 * client.h - one load-generating connection (a "client"), and what the
 * clients of one thread share (struct client_group).
 *
 * A request's life: it gets a slot in its client's ring when it is sent
 * (closed loop) or when its intended time has come (open loop); the slot
 * keeps the intended and the actual send times; the response's first byte
 * gives the time to first byte, its last byte the latency.  A slot is
 * freed by its response, or by an error, which fails every request then in
 * flight on that connection.  Nothing is allocated per request.
 *
 * client.c is driven by the thread's loop (worker.c) through the three
 * functions below, and never calls the loop back: it registers its socket
 * in the group's epoll set and its waits in the group's wake-up queue
 * (wakeq.h), and the loop delivers what comes out of them.
 */
#ifndef LOADGEN_CLIENT_H
#define LOADGEN_CLIENT_H

#include "check.h"
#include "loadgen.h"
#include "process.h"
#include "wakeq.h"

#define CLIENT_RBUF (64 * 1024) /* the group's read buffer */

/* --proto lines: room for one "Hello World!:n\n" line, and for the answer
 * it expects ("Hello World!:n-1 Hello World!:n\n"); n has at most 20
 * digits. */
#define CLIENT_LINE_MAX 40
#define CLIENT_ANSWER_MAX 80

enum client_state { CLIENT_DOWN, CLIENT_CONNECTING, CLIENT_UP, CLIENT_DONE };

struct slot {
	uint64_t intended_us; /* latency is measured from here */
	uint64_t sent_us;     /* the uncorrected start; timeouts count from here */
};

struct client {
	int fd;
	uint32_t gen; /* bumped per socket: tells stale epoll events apart */
	enum client_state state;
	bool want_out;		  /* EPOLLOUT registered: connecting or partial write */
	bool head_seen;		  /* first byte of the oldest response arrived */
	uint32_t inflight;	  /* requests sent and not yet answered */
	uint32_t head;		  /* ring index of the oldest one */
	int index;		  /* global connection number: sets its open-loop phase */
	struct wakeup wake;	  /* queued in the group's wake-up queue */
	uint64_t budget;	  /* requests it may still send (-n), else UINT64_MAX */
	uint64_t next_us;	  /* closed loop: think time ends; open loop: unused */
	uint64_t sched_n;	  /* open loop: requests scheduled so far */
	uint64_t sched_base;	  /* open loop: intended time of request 0 */
	uint64_t retry_us;	  /* after a connect error, do not reconnect before */
	uint64_t connect_us;	  /* when connect() was called */
	size_t out_off, out_left; /* the batch being written */
	struct check chk;
	struct slot *ring; /* ring_mask + 1 slots */
	/* --proto lines only: the connection's own bytes to send, since each
	 * line differs (pipeline x CLIENT_LINE_MAX bytes, else NULL), the
	 * lines sent and answered on this connection (a new connection starts
	 * from line 1: it is a new conversation for the server), and the
	 * answer the oldest line in flight must get. */
	char *lines_out;
	uint64_t lines_sent, lines_answered;
	uint32_t answer_len;
	char answer[CLIENT_ANSWER_MAX];
};

/* The clients of one thread and what they share.  The thread's loop owns
 * it; client.c reads the configuration and writes the results. */
struct client_group {
	const struct lg_config *cfg;
	const struct lg_target *tgt;
	const struct lg_clock *clk;
	struct lg_result res;
	int epfd;   /* every client's socket is registered here */
	int active; /* clients not CLIENT_DONE */
	uint32_t ring_mask;
	double interval_us; /* open loop: between two requests of a client */
	uint64_t early_us;  /* how late the loop's timer fires (the loop keeps
			     * it): the open loop asks to be woken that early */
	struct client *clients;
	struct wakeq wakeq;
	char *rbuf; /* CLIENT_RBUF bytes: every read lands here */
};

/* The client an epoll event is for, or NULL if the event is stale (for a
 * socket since closed).  Sockets are registered with data.u64 =
 * gen << 32 | index in g->clients. */
static inline struct client *client_of_event(struct client_group *g, uint64_t data)
{
	struct client *c = &g->clients[(uint32_t)data];

	return c->gen == (uint32_t)(data >> 32) ? c : NULL;
}

/* The client a wake-up queue entry belongs to. */
static inline struct client *client_of_wakeup(struct wakeup *w)
{
	return heap_entry(w, struct client, wake);
}

/* Decides and starts what c does next: connect, send, wait for its next
 * time (queued in g->wakeq), or finish. */
void client_next(struct client_group *g, struct client *c, uint64_t now);

/* epoll reported events on c. */
void client_event(struct client_group *g, struct client *c, uint32_t events, uint64_t now);

/* Fails c if its oldest request or its connect timed out. */
void client_check_timeout(struct client_group *g, struct client *c, uint64_t now);

#endif
