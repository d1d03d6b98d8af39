/*
 * fuzz-session.c - libFuzzer target for a whole session (lib/session.c).
 *
 * The first input byte picks the setup: bit 0 echo or HTTP, bit 1 a
 * --delay-us (so every answer goes through SESSION_DELAY), bits 2-7 how the
 * rest is cut into reads.  The rest is the byte stream a client sends.  The
 * target runs the session the way lib/conn.c and lib/blocking.c do --
 * unconsumed input kept and passed again with more, output "sent" whenever
 * the session asks -- once with the whole stream in one read and once cut
 * into small reads, and checks:
 *   - the session's contract: it consumes no more than it was given, writes
 *     no more than out_cap, and after SESSION_CLOSE takes no more input;
 *   - the answer does not depend on how the bytes were cut (Date values
 *     blanked, since the clock may tick in between);
 *   - echo sends back exactly what it got; every HTTP answer starts with a
 *     status line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "opt.h"
#include "session.h"
#include "stats.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz-session: %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* What the session sent, and whether it closed. */
struct transcript {
	char *data;
	size_t len, cap;
	int closed;
};

static void append(struct transcript *t, const char *p, size_t n)
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
static void feed(struct session *s, const struct server_config *cfg, char **held, size_t *held_len,
		 const uint8_t *p, size_t n, struct transcript *t)
{
	static char out[SESSION_OUT_MAX];
	size_t off = 0, used, out_len = 0, len;
	enum session_step step;
	char *in;

	if (t->closed)
		return; /* the model has closed the connection */
	in = malloc(*held_len + n + 1);
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
		append(t, out, out_len);
		out_len = 0;
	} while (step == SESSION_OUTPUT_FULL || step == SESSION_DELAY);
	if (step == SESSION_CLOSE) {
		t->closed = 1;
		off = len;
	}
	free(*held);
	*held_len = len - off;
	*held = malloc(*held_len + 1);
	if (*held_len)
		memcpy(*held, in + off, *held_len);
	free(in);
}

/* Runs a whole connection: data cut into reads of the sizes cut() gives. */
static void run(const struct server_config *cfg, const uint8_t *data, size_t size,
		unsigned cut_seed, struct transcript *t)
{
	struct session s;
	char *held = NULL;
	size_t held_len = 0, off = 0;
	unsigned x = cut_seed * 2654435761u + 1;

	session_init(&s, cfg->proto);
	while (off < size) {
		size_t n = size - off;
		if (cut_seed) {
			x = x * 1103515245u + 12345u;
			size_t piece = 1 + (x >> 16) % (cut_seed * 4);
			n = piece < n ? piece : n;
		}
		feed(&s, cfg, &held, &held_len, data + off, n, t);
		off += n;
	}
	free(held);
}

/* Replaces every Date value with x's: it is the only part that may differ. */
static void blank_dates(struct transcript *t)
{
	static const char name[] = "\r\nDate: ";
	char *p = t->data;

	while (p && (p = memmem(p, t->len - (size_t)(p - t->data), name, sizeof(name) - 1))) {
		p += sizeof(name) - 1;
		for (; p < t->data + t->len && *p != '\r'; p++)
			*p = 'x';
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	stats_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config cfg = {.proto = PROTO_HTTP};
	struct transcript whole = {0}, pieces = {0};

	if (size < 1 || size > 256 * 1024)
		return 0;
	cfg.proto = (data[0] & 1) ? PROTO_ECHO : PROTO_HTTP;
	cfg.delay_us = (data[0] & 2) ? 1 : 0;
	run(&cfg, data + 1, size - 1, 0, &whole);
	run(&cfg, data + 1, size - 1, 1 + (data[0] >> 2), &pieces);
	if (cfg.proto == PROTO_ECHO) {
		CHECK(whole.len == size - 1 && !whole.closed);
		CHECK(whole.len == 0 || memcmp(whole.data, data + 1, whole.len) == 0);
	} else if (whole.len) {
		CHECK(whole.len >= 9 && memcmp(whole.data, "HTTP/1.", 7) == 0);
	}
	blank_dates(&whole);
	blank_dates(&pieces);
	CHECK(whole.len == pieces.len && whole.closed == pieces.closed);
	CHECK(whole.len == 0 || memcmp(whole.data, pieces.data, whole.len) == 0);
	free(whole.data);
	free(pieces.data);
	return 0;
}
