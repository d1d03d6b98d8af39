/*
 * wakeq.h - the wake-up queue: "call me back at time t", for the
 * connections of one thread.
 *
 * Time-driven work (the open-loop schedule, think time, reconnect
 * back-off) is a connection waiting for a time.  Each connection embeds a
 * struct wakeup; wakeq_set() queues it for a time, or moves it if it is
 * queued already; the thread's loop arms its timer for wakeq_first()'s time
 * and, when it fires, takes the due ones out with wakeq_pop_due() and
 * hands each to the connection code.
 *
 * A leaf module: it knows nothing of connections or threads and never
 * calls anyone by name; what is due comes back as a return value (the way
 * wrk's connection code is driven by its event loop, ae, and not the other
 * way round).  It is an intrusive min-heap (lib/heap.h) keyed by time:
 * nothing is allocated, every operation is O(log n).
 */
#ifndef LOADGEN_WAKEQ_H
#define LOADGEN_WAKEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "heap.h"

/* Embedded in what waits (zeroed = not queued). */
struct wakeup {
	struct heap_node node;
	uint64_t at_us; /* when, while queued */
};

struct wakeq {
	struct heap heap;
};

void wakeq_init(struct wakeq *q);

/* Queues w for at_us, or moves it there if it is queued already. */
void wakeq_set(struct wakeq *q, struct wakeup *w, uint64_t at_us);

/* Takes w out of the queue (no-op if it is not queued). */
void wakeq_cancel(struct wakeq *q, struct wakeup *w);

/* The earliest queued wake-up, or NULL if none. */
static inline const struct wakeup *wakeq_first(const struct wakeq *q)
{
	const struct heap_node *n = heap_min(&q->heap);

	return n ? heap_entry(n, const struct wakeup, node) : NULL;
}

/* Takes out and returns the earliest wake-up if it is due at now (at_us
 * <= now), else returns NULL. */
struct wakeup *wakeq_pop_due(struct wakeq *q, uint64_t now);

#endif
