/*
 * wakeq.c - the wake-up queue (see wakeq.h): lib/heap.h ordered by time.
 */
#include "wakeq.h"

static bool earlier(const struct heap_node *a, const struct heap_node *b)
{
	return heap_entry(a, struct wakeup, node)->at_us <
	       heap_entry(b, struct wakeup, node)->at_us;
}

void wakeq_init(struct wakeq *q)
{
	heap_init(&q->heap);
}

void wakeq_set(struct wakeq *q, struct wakeup *w, uint64_t at_us)
{
	w->at_us = at_us;
	if (heap_contains(&q->heap, &w->node))
		heap_update(&q->heap, &w->node, earlier);
	else
		heap_insert(&q->heap, &w->node, earlier);
}

void wakeq_cancel(struct wakeq *q, struct wakeup *w)
{
	if (heap_contains(&q->heap, &w->node))
		heap_remove(&q->heap, &w->node, earlier);
}

struct wakeup *wakeq_pop_due(struct wakeq *q, uint64_t now)
{
	struct heap_node *n = heap_min(&q->heap);

	if (!n || heap_entry(n, struct wakeup, node)->at_us > now)
		return NULL;
	heap_remove(&q->heap, n, earlier);
	return heap_entry(n, struct wakeup, node);
}
