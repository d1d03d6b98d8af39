/*
 * check.h - verifying responses as they stream in.
 *
 * Each connection has one struct check.  The worker hands it the bytes it
 * read (in the thread's read buffer, not copied); the checker walks the
 * responses in them and stops after each complete one, so the worker can
 * time it.  Only an HTTP header section split across two reads is copied
 * (into a small per-connection carry buffer, allocated the first time).
 *
 * Return convention, as a parser: CHECK_DONE (one response complete,
 * *used bytes consumed), CHECK_PARTIAL (all len bytes consumed, response
 * not complete), CHECK_BAD (malformed, wrong bytes, or unsupported framing:
 * the connection must be dropped).
 */
#ifndef LOADGEN_CHECK_H
#define LOADGEN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_MAX_HEADER 8192

enum { CHECK_BAD = -1, CHECK_PARTIAL = 0, CHECK_DONE = 1 };

struct check {
	uint64_t pos;	  /* echo: offset in the message; http: body left */
	bool in_body;	  /* http: header section parsed, reading body */
	bool peer_closes; /* http: last response said "Connection: close" */
	int status;	  /* http: status code of the last response */
	uint32_t carry_len;
	char *carry; /* partial header section (CHECK_MAX_HEADER bytes) */
};

/* True if no byte of the current response has arrived yet (for TTFB). */
static inline bool check_at_start(const struct check *c)
{
	return c->pos == 0 && !c->in_body && c->carry_len == 0;
}

/* Forgets a partial response (the connection was dropped); keeps carry. */
void check_reset(struct check *c);

/* Frees the carry buffer. */
void check_free(struct check *c);

/* HTTP/1.x response with Content-Length framing.  On CHECK_DONE, c->status
 * and c->peer_closes describe the response. */
int check_http(struct check *c, const char *buf, size_t len, size_t *used);

/* Echo: the response to a message is the same size bytes, byte for byte. */
int check_echo(struct check *c, const char *buf, size_t len, size_t *used, const char *expect,
	       size_t size);

#endif
