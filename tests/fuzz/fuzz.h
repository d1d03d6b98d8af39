/*
 * fuzz.h - what the libFuzzer targets share: CHECK(), and the driver that
 * runs a whole server session over a client's byte stream the way
 * lib/conn.c and lib/blocking.c do.
 *
 * The driver keeps the input the session has not consumed and passes it
 * again with the next read, "sends" whatever the session writes (into a
 * transcript), and runs the session again while it asks to
 * (SESSION_OUTPUT_FULL, SESSION_DELAY).  The stream is cut into reads by a
 * seed: 0 is one read of everything, any other seed gives reads of 1 to
 * 4 * seed bytes from a small LCG, so a target can check that the answer
 * does not depend on how the bytes arrived.  It checks the session's
 * contract on every call: it consumes no more than it was given, writes no
 * more than out_cap, and after SESSION_CLOSE is given no more input.
 *
 * Header-only (static functions), one copy per target: each target is its
 * own program.
 */
#ifndef MODELBENCH_FUZZ_H
#define MODELBENCH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "session.h"

/* A failed check is a crash, which is what libFuzzer reports and keeps. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* What the session sent, and whether it closed. */
struct transcript {
	char *data;
	size_t len, cap;
	int closed;
};

static inline void transcript_append(struct transcript *t, const char *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->data = realloc(t->data, t->cap);
		CHECK(t->data != NULL);
	}
	if (n)
		memcpy(t->data + t->len, p, n);
	t->len += n;
}

/* Runs the session over one read's worth of new bytes, as a model does.
 * held/held_len is the input kept from earlier reads. */
static inline void fuzz_feed(struct session *s, const struct server_config *cfg, char **held,
			     size_t *held_len, const uint8_t *p, size_t n, struct transcript *t)
{
	static char out[SESSION_OUT_MAX];
	size_t off = 0, used, out_len = 0, len;
	enum session_step step;
	char *in;

	if (t->closed)
		return; /* the model has closed the connection */
	in = malloc(*held_len + n + 1);
	CHECK(in != NULL);
	if (*held_len)
		memcpy(in, *held, *held_len);
	if (n)
		memcpy(in + *held_len, p, n);
	len = *held_len + n;
	do {
		step =
		    session_process(s, cfg, in + off, len - off, &used, out, sizeof(out), &out_len);
		CHECK(used <= len - off && out_len <= sizeof(out));
		off += used;
		transcript_append(t, out, out_len);
		out_len = 0;
	} while (step == SESSION_OUTPUT_FULL || step == SESSION_DELAY);
	if (step == SESSION_CLOSE) {
		t->closed = 1;
		off = len;
	}
	free(*held);
	*held_len = len - off;
	*held = malloc(*held_len + 1);
	CHECK(*held != NULL);
	if (*held_len)
		memcpy(*held, in + off, *held_len);
	free(in);
}

/* Runs a whole connection over data, cut into reads by cut_seed (0: one
 * read), into *t (zeroed first), and ends the session as a model does at
 * close, so that what session_end() frees is checked by LeakSanitizer. */
static inline void fuzz_run_session(const struct server_config *cfg, const uint8_t *data,
				    size_t size, unsigned cut_seed, struct transcript *t)
{
	struct session s;
	char *held = NULL;
	size_t held_len = 0, off = 0;
	unsigned x = cut_seed * 2654435761u + 1;

	memset(t, 0, sizeof(*t));
	session_init(&s, cfg->proto);
	while (off < size) {
		size_t n = size - off;

		if (cut_seed) {
			size_t piece;

			x = x * 1103515245u + 12345u;
			piece = 1 + (x >> 16) % (cut_seed * 4);
			n = piece < n ? piece : n;
		}
		fuzz_feed(&s, cfg, &held, &held_len, data + off, n, t);
		off += n;
	}
	session_end(&s);
	free(held);
}

#endif
