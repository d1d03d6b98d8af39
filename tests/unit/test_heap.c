/*
 * test_heap.c - lib/heap.h against a reference, on random operations.
 *
 * The reference is the plainest possible priority queue: an array of the
 * keys that are in the heap, searched linearly.  Each round applies a
 * random sequence of inserts, removals of a random member, key updates of
 * a random member (earlier or later) and pops of the minimum to both, and
 * after every step checks that the heap has the reference's count and
 * minimum key, and that its tree is whole: every child's parent link
 * points back, no child is smaller than its parent, and the shape is the
 * complete tree of `count` nodes (numbered breadth-first, none past count).  At the end it drains
 * the heap and compares the keys it pops with the sorted reference.
 *
 * The seed is fixed (the sequence is the same every run) and printed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"

#define NODES 200
#define ROUNDS 40
#define STEPS 2000

struct item {
	unsigned int key;
	struct heap_node node;
	bool in; /* the reference's view: is it in the heap? */
};

static int failures;
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

static bool item_less(const struct heap_node *a, const struct heap_node *b)
{
	return heap_entry(a, struct item, node)->key < heap_entry(b, struct item, node)->key;
}

static unsigned int key_of(const struct heap_node *n)
{
	return heap_entry(n, const struct item, node)->key;
}

/* Counts the subtree at n, which is node number num, and checks its links
 * and order, and that no node is numbered past count: count nodes
 * numbered 1..count are the complete tree.  *bad is set to a description
 * of the first fault. */
static unsigned int walk(const struct heap_node *n, unsigned int num, unsigned int count,
			 const char **bad)
{
	unsigned int seen = 1;

	if (num > count)
		*bad = "the tree is not complete";
	if (n->left) {
		if (n->left->parent != n)
			*bad = "left child's parent link";
		if (key_of(n->left) < key_of(n))
			*bad = "left child smaller than its parent";
		seen += walk(n->left, 2 * num, count, bad);
	}
	if (n->right) {
		if (n->right->parent != n)
			*bad = "right child's parent link";
		if (key_of(n->right) < key_of(n))
			*bad = "right child smaller than its parent";
		seen += walk(n->right, 2 * num + 1, count, bad);
	}
	return seen;
}

/* Checks h against the reference; returns a description of the first
 * difference, or NULL. */
static const char *verify(const struct heap *h, const struct item *items)
{
	const char *bad = NULL;
	unsigned int count = 0, min = ~0u;

	for (int i = 0; i < NODES; i++) {
		if (!items[i].in)
			continue;
		count++;
		if (items[i].key < min)
			min = items[i].key;
		if (!heap_contains(h, &items[i].node))
			return "a member is not in the heap";
	}
	if (h->count != count)
		return "count differs from the reference";
	if (!count)
		return heap_min(h) ? "empty heap has a minimum" : NULL;
	if (!heap_min(h) || heap_min(h)->parent)
		return "no root, or the root has a parent";
	if (key_of(heap_min(h)) != min)
		return "minimum differs from the reference";
	if (walk(heap_min(h), 1, count, &bad) != count)
		return "tree size differs from count";
	if (bad)
		return bad;
	if (heap_node_at(h, count) == NULL || heap_node_at(h, count)->left)
		return "heap_node_at() does not find the last node";
	return NULL;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/* One random sequence; keys drawn from keyspace (small = many ties). */
static const char *round_trip(unsigned int keyspace)
{
	static struct item items[NODES];
	unsigned int sorted[NODES], n = 0;
	struct heap h;
	const char *bad;

	heap_init(&h);
	for (int i = 0; i < NODES; i++)
		items[i] = (struct item){0};
	for (int s = 0; s < STEPS; s++) {
		struct item *it = &items[rnd(NODES)];
		unsigned int op = rnd(10);

		if (!it->in && op < 6) { /* insert */
			it->key = rnd(keyspace);
			heap_insert(&h, &it->node, item_less);
			it->in = true;
		} else if (it->in && op < 3) { /* remove this one */
			heap_remove(&h, &it->node, item_less);
			it->in = false;
			if (heap_contains(&h, &it->node))
				return "a removed node is still in the heap";
		} else if (it->in && op < 8) { /* new key, up or down */
			it->key = rnd(keyspace);
			heap_update(&h, &it->node, item_less);
		} else if (h.count) { /* pop the minimum */
			struct heap_node *m = heap_pop(&h, item_less);

			heap_entry(m, struct item, node)->in = false;
		}
		bad = verify(&h, items);
		if (bad)
			return bad;
	}
	for (int i = 0; i < NODES; i++)
		if (items[i].in)
			sorted[n++] = items[i].key;
	qsort(sorted, n, sizeof(*sorted), cmp_uint);
	for (unsigned int i = 0; i < n; i++) {
		struct heap_node *m = heap_pop(&h, item_less);

		if (!m || key_of(m) != sorted[i])
			return "popped keys are not the sorted reference";
		heap_entry(m, struct item, node)->in = false;
	}
	return heap_pop(&h, item_less) ? "heap not empty after draining" : NULL;
}

int main(void)
{
	static const unsigned int keyspaces[] = {4, 64, 1u << 30};

	printf("# seed %#llx, %d rounds of %d steps on %d nodes\n", rng, ROUNDS, STEPS, NODES);
	for (size_t k = 0; k < sizeof(keyspaces) / sizeof(keyspaces[0]); k++) {
		const char *bad = NULL;
		int r;

		for (r = 0; r < ROUNDS && !bad; r++)
			bad = round_trip(keyspaces[k]);
		if (bad) {
			printf("not ok - heap matches a sorted reference (keys < %u): %s "
			       "(round %d)\n",
			       keyspaces[k], bad, r);
			failures++;
		} else {
			printf("ok - heap matches a sorted reference (keys < %u)\n", keyspaces[k]);
		}
	}
	return failures ? 1 : 0;
}
