/*
 * check.c - verifying responses as they stream in.
 *
 * HTTP: the header section must start with "HTTP/1.x NNN", carry a plain
 * decimal Content-Length (absent only for 1xx, 204 and 304), and no
 * Transfer-Encoding (our servers never chunk; a load generator that
 * silently accepted any framing could not tell a broken server from a good
 * one).  The body is counted, not copied.  Whether the status is the
 * expected one is the worker's decision: it also counts status classes.
 */
#include "check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void check_reset(struct check *c)
{
	c->pos = 0;
	c->in_body = false;
	c->peer_closes = false;
	c->carry_len = 0;
}

void check_free(struct check *c)
{
	free(c->carry);
	c->carry = NULL;
	c->carry_len = 0;
}

static bool header_is(const char *line, size_t n, const char *name)
{
	size_t len = strlen(name);

	return n > len && strncasecmp(line, name, len) == 0;
}

/* Parses the value of a Content-Length line: optional spaces, 1 to 15
 * digits, optional spaces, CR.  Returns the length or -1. */
static long long parse_content_length(const char *p, const char *eol)
{
	long long v = 0;
	int digits = 0;

	while (p < eol && *p == ' ')
		p++;
	for (; p < eol && isdigit((unsigned char)*p) && digits < 16; p++, digits++)
		v = v * 10 + (*p - '0');
	while (p < eol && (*p == ' ' || *p == '\r'))
		p++;
	return (p == eol && digits > 0 && digits <= 15) ? v : -1;
}

/* Reads the header lines of a complete header section h[0..len). */
static int parse_fields(struct check *c, const char *h, size_t len, long long *clen)
{
	const char *end = h + len, *line = memchr(h, '\n', len) + 1;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)(eol - line);

		if (n <= 1) /* the blank line */
			break;
		if (header_is(line, n, "content-length:")) {
			*clen = parse_content_length(line + 15, eol);
			if (*clen < 0)
				return CHECK_BAD;
		} else if (header_is(line, n, "transfer-encoding:")) {
			return CHECK_BAD;
		} else if (header_is(line, n, "connection:")) {
			c->peer_closes = memmem(line, n, "close", 5) || memmem(line, n, "Close", 5);
		}
		line = eol + 1;
	}
	return CHECK_DONE;
}

/* Parses a complete header section h[0..len), which ends with CRLFCRLF. */
static int parse_head(struct check *c, const char *h, size_t len)
{
	long long clen = -1;

	if (len < 16 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ' ||
	    !isdigit((unsigned char)h[9]) || !isdigit((unsigned char)h[10]) ||
	    !isdigit((unsigned char)h[11]))
		return CHECK_BAD;
	c->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	if (c->status < 100 || c->status > 599)
		return CHECK_BAD;
	/* HTTP/1.0 closes unless the server says otherwise (it will not,
	 * since we never ask for keep-alive in 1.0). */
	c->peer_closes = h[7] == '0';
	if (parse_fields(c, h, len, &clen) != CHECK_DONE)
		return CHECK_BAD;
	if (clen < 0) {
		if (c->status / 100 != 1 && c->status != 204 && c->status != 304)
			return CHECK_BAD;
		clen = 0;
	}
	c->pos = (uint64_t)clen;
	c->in_body = true;
	return CHECK_DONE;
}

/* The header section began in an earlier read: add to the carry buffer
 * and look for its end there.  *off is how much of buf it took. */
static int take_head_carried(struct check *c, const char *buf, size_t len, size_t *off)
{
	size_t old = c->carry_len, n = CHECK_MAX_HEADER - old;
	size_t from = old > 3 ? old - 3 : 0, hl;
	const char *e;
	int r;

	if (n > len)
		n = len;
	memcpy(c->carry + old, buf, n);
	c->carry_len += (uint32_t)n;
	e = memmem(c->carry + from, c->carry_len - from, "\r\n\r\n", 4);
	if (!e) {
		*off = n;
		return c->carry_len == CHECK_MAX_HEADER ? CHECK_BAD : CHECK_PARTIAL;
	}
	hl = (size_t)(e + 4 - c->carry);
	r = parse_head(c, c->carry, hl);
	*off = hl - old;
	c->carry_len = 0;
	return r;
}

/* Finds and parses the header section.  The usual case, a whole header
 * section inside buf, copies nothing. */
static int take_head(struct check *c, const char *buf, size_t len, size_t *off)
{
	const char *e;

	if (c->carry_len)
		return take_head_carried(c, buf, len, off);
	e = memmem(buf, len, "\r\n\r\n", 4);
	if (e) {
		*off = (size_t)(e + 4 - buf);
		return parse_head(c, buf, *off);
	}
	if (len >= CHECK_MAX_HEADER)
		return CHECK_BAD;
	if (!c->carry && !(c->carry = malloc(CHECK_MAX_HEADER)))
		return CHECK_BAD;
	memcpy(c->carry, buf, len);
	c->carry_len = (uint32_t)len;
	*off = len;
	return CHECK_PARTIAL;
}

int check_http(struct check *c, const char *buf, size_t len, size_t *used)
{
	size_t off = 0, n;

	if (!c->in_body) {
		int r = take_head(c, buf, len, &off);

		if (r != CHECK_DONE) {
			*used = off;
			return r;
		}
	}
	n = len - off;
	if (n > c->pos)
		n = (size_t)c->pos;
	c->pos -= n;
	*used = off + n;
	if (c->pos)
		return CHECK_PARTIAL;
	c->in_body = false;
	return CHECK_DONE;
}

int check_echo(struct check *c, const char *buf, size_t len, size_t *used, const char *expect,
	       size_t size)
{
	size_t n = size - c->pos;

	if (n > len)
		n = len;
	if (memcmp(buf, expect + c->pos, n) != 0)
		return CHECK_BAD;
	c->pos += n;
	*used = n;
	if (c->pos < size)
		return CHECK_PARTIAL;
	c->pos = 0;
	return CHECK_DONE;
}
