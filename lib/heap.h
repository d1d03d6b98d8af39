/*
 * heap.h - an intrusive binary min-heap: timers without allocation.
 *
 * Event loops keep their deadlines (sleeps, timeouts, "wake this
 * connection at t") in a priority queue and only ever ask three things of
 * it: what is the earliest, add one, take one out (often not the earliest:
 * a request that completes cancels its timeout).  A binary heap answers
 * each in O(log n).
 *
 * Intrusive means the heap owns no memory.  The user embeds a struct
 * heap_node in its own struct (a connection, a green thread) and the heap
 * links those nodes together; heap_entry() gets back from a node to the
 * struct around it, as the kernel's list_entry() does.  So inserting can
 * never fail for want of memory, nothing is allocated per timer, and
 * removing a given node needs no search: the node knows where it is.
 *
 * The heap does not know what a key is.  The user passes a "less"
 * function that compares two nodes (usually by a deadline stored next to
 * the node), and calls heap_update() after changing a queued node's key.
 *
 * Shape: a complete binary tree of pointers (left, right, parent), not an
 * array.  The nodes are numbered 1..count in breadth-first order, like the
 * indices of an array heap; the binary digits of a number after its
 * leading 1 spell the way down from the root to that node (0 = left,
 * 1 = right).  Node 6 = 0b110: right, then left.  Insertion hangs the new
 * node at number count + 1 and lets it rise; removal moves node number
 * count into the hole and lets it sink or rise.
 *
 *	            1
 *	      2           3
 *	   4     5     6     7        6 = 0b1|10: right, left
 *
 * libuv's src/heap-inl.h (its timers) works the same way.  Equal keys come
 * out in no particular order.  Not thread-safe: one heap per thread.
 */
#ifndef HEAP_H
#define HEAP_H

#include <stdbool.h>
#include <stddef.h>

/* Embedded in the user's struct.  All NULL (e.g. calloc'ed) = not in a
 * heap; heap_remove() leaves it so again. */
struct heap_node {
	struct heap_node *left, *right, *parent;
};

struct heap {
	struct heap_node *min; /* the root: the smallest node, or NULL */
	unsigned int count;
};

/* True if a must come out before b. */
typedef bool (*heap_less_fn)(const struct heap_node *a, const struct heap_node *b);

/* The struct of type `type` whose member `member` is the node ptr. */
#define heap_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void heap_init(struct heap *h)
{
	h->min = NULL;
	h->count = 0;
}

/* The smallest node, or NULL if the heap is empty. */
static inline struct heap_node *heap_min(const struct heap *h)
{
	return h->min;
}

/* True if n is in h (n must be in h or in no heap). */
static inline bool heap_contains(const struct heap *h, const struct heap_node *n)
{
	return n->parent != NULL || h->min == n;
}

/* The node numbered k (1 <= k <= count): follow k's binary digits below
 * its leading 1, most significant first. */
static inline struct heap_node *heap_node_at(const struct heap *h, unsigned int k)
{
	struct heap_node *n = h->min;
	int bit = 0;

	while ((k >> bit) > 1)
		bit++;
	while (--bit >= 0)
		n = (k >> bit) & 1 ? n->right : n->left;
	return n;
}

/* Swaps c with its parent p: c moves one level up, p one level down into
 * c's place.  Six links change: the grandparent's child, c's and p's
 * three each, and the back links of the children that change parent. */
static inline void heap_swap_up(struct heap *h, struct heap_node *c)
{
	struct heap_node *p = c->parent;
	struct heap_node *gp = p->parent;
	struct heap_node *cl = c->left, *cr = c->right, *sibling;

	if (!gp)
		h->min = c;
	else if (gp->left == p)
		gp->left = c;
	else
		gp->right = c;
	c->parent = gp;
	if (p->left == c) {
		sibling = p->right;
		c->left = p;
		c->right = sibling;
	} else {
		sibling = p->left;
		c->left = sibling;
		c->right = p;
	}
	if (sibling)
		sibling->parent = c;
	p->parent = c;
	p->left = cl;
	p->right = cr;
	if (cl)
		cl->parent = p;
	if (cr)
		cr->parent = p;
}

/* Restores the order around n, whose key may be out of place in either
 * direction: rise while smaller than the parent, else sink while a child
 * is smaller (swapping with the smaller child keeps the sibling in
 * order). */
static inline void heap_update(struct heap *h, struct heap_node *n, heap_less_fn less)
{
	if (n->parent && less(n, n->parent)) {
		do
			heap_swap_up(h, n);
		while (n->parent && less(n, n->parent));
		return;
	}
	for (;;) {
		struct heap_node *c = n->left;

		if (!c)
			break;
		if (n->right && less(n->right, c))
			c = n->right;
		if (!less(c, n))
			break;
		heap_swap_up(h, c);
	}
}

/* Adds n (which must not be in a heap). */
static inline void heap_insert(struct heap *h, struct heap_node *n, heap_less_fn less)
{
	unsigned int k = h->count + 1;
	struct heap_node *parent;

	n->left = n->right = n->parent = NULL;
	h->count = k;
	if (k == 1) {
		h->min = n;
		return;
	}
	parent = heap_node_at(h, k / 2);
	if (k & 1)
		parent->right = n;
	else
		parent->left = n;
	n->parent = parent;
	while (n->parent && less(n, n->parent))
		heap_swap_up(h, n);
}

/* Takes n (which must be in h) out of h. */
static inline void heap_remove(struct heap *h, struct heap_node *n, heap_less_fn less)
{
	struct heap_node *last = heap_node_at(h, h->count);

	/* Unhook the last node first, so n's links below are the ones
	 * after it left (it may be n's own child). */
	if (!last->parent)
		h->min = NULL;
	else if (last->parent->left == last)
		last->parent->left = NULL;
	else
		last->parent->right = NULL;
	h->count--;
	if (last != n) {
		last->left = n->left;
		last->right = n->right;
		last->parent = n->parent;
		if (last->left)
			last->left->parent = last;
		if (last->right)
			last->right->parent = last;
		if (!n->parent)
			h->min = last;
		else if (n->parent->left == n)
			n->parent->left = last;
		else
			n->parent->right = last;
		heap_update(h, last, less);
	}
	n->left = n->right = n->parent = NULL;
}

/* Removes and returns the smallest node, or NULL if h is empty. */
static inline struct heap_node *heap_pop(struct heap *h, heap_less_fn less)
{
	struct heap_node *n = h->min;

	if (n)
		heap_remove(h, n, less);
	return n;
}

#endif
