/*
 * lines.c - the seed article's stateful echo (see lines.h).
 *
 * The parser looks at the unconsumed input from its start each time it is
 * called (the model keeps a partial line and passes it again with more),
 * like the HTTP head parser: a line is at most LINES_MAX + 2 bytes, so
 * looking again costs little, and the parser keeps no state of its own.
 */
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* The previous line, allocated with the first line of a session and grown
 * (never shrunk) to the longest line so far, in steps of PREV_STEP bytes:
 * 64 bytes for the article's "Hello World!:n" lines. */
#define PREV_STEP 64

struct lines_prev {
	uint16_t len, cap;
	char text[];
};

/* Checks the UTF-8 sequence that starts with the byte p[0] >= 0x80, of
 * which avail bytes have arrived.  Returns its length (2 to 4) if it is
 * valid text, 0 if the bytes so far are a valid beginning, -1 if not text.
 * The ranges are RFC 3629's table; C2 80..C2 9F (the C1 controls) are
 * valid UTF-8 but not text, so they are refused here too. */
static int utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
	int n;

	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, lo = p[0] == 0xC2 ? 0xA0 : 0x80;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return -1; /* a continuation byte, C0/C1 (overlong) or F5..FF */
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= avail)
			return 0;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
			return -1;
	}
	return n;
}

enum lines_scan lines_scan(const char *in, size_t len, size_t *line_len, size_t *used)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0;

	while (i < len) {
		unsigned char b = p[i];
		int n = 1;

		if (b == '\n') {
			*line_len = i > 0 && p[i - 1] == '\r' ? i - 1 : i;
			*used = i + 1;
			return LINES_LINE;
		}
		/* A "\r" may only end a line: at most LINES_MAX bytes come
		 * before it, and a "\n" after it. */
		if (b == '\r') {
			if (i + 1 < len && p[i + 1] != '\n')
				return LINES_NOT_TEXT;
			if (i > LINES_MAX)
				return LINES_TOO_LONG;
			i++;
			continue;
		}
		if (i >= LINES_MAX)
			return LINES_TOO_LONG;
		if (b >= 0x80) {
			/* A character that would straddle the limit makes the
			 * line too long, whatever its other bytes: the answer
			 * must not change as they arrive. */
			if (b >= 0xC2 && b <= 0xF4 &&
			    i + (b >= 0xF0   ? 4
				 : b >= 0xE0 ? 3
					     : 2) >
				LINES_MAX)
				return LINES_TOO_LONG;
			n = utf8_seq(p + i, len - i);
			if (n < 0)
				return LINES_NOT_TEXT;
			if (n == 0)
				return LINES_PARTIAL; /* the rest of it is still to come */
		} else if ((b < 0x20 && b != '\t') || b == 0x7F) {
			return LINES_NOT_TEXT;
		}
		i += (size_t)n;
	}
	return LINES_PARTIAL;
}

/* Appends the closing message and marks the session closing. */
static enum session_step refuse(struct session *s, const char *msg, char *out, size_t *out_len)
{
	size_t n = strlen(msg);

	stats_add(STAT_BAD_REQUESTS, 1);
	memcpy(out + *out_len, msg, n);
	*out_len += n;
	s->closing = 1;
	return SESSION_CLOSE;
}

/* Keeps line[0..len) as the previous line. */
static void remember(struct session *s, const char *line, size_t len)
{
	struct lines_prev *prev = s->lines_prev;

	if (prev == NULL || prev->cap < len) {
		size_t cap = (len / PREV_STEP + 1) * PREV_STEP;
		prev = realloc(prev, sizeof(*prev) + cap);
		if (prev == NULL)
			die("out of memory for a previous line");
		prev->cap = (uint16_t)cap;
		s->lines_prev = prev;
	}
	memcpy(prev->text, line, len);
	prev->len = (uint16_t)len;
}

/* Appends "previous current\n" (or "current\n" for the first line), then
 * keeps current as the previous line. */
static void answer(struct session *s, const char *line, size_t len, char *out, size_t *out_len)
{
	char *o = out + *out_len;

	if (s->lines_prev) {
		memcpy(o, s->lines_prev->text, s->lines_prev->len);
		o += s->lines_prev->len;
		*o++ = ' ';
	}
	memcpy(o, line, len);
	o += len;
	*o++ = '\n';
	*out_len = (size_t)(o - out);
	remember(s, line, len);
}

enum session_step lines_process(struct session *s, const struct server_config *cfg, const char *in,
				size_t in_len, size_t *consumed, char *out, size_t out_cap,
				size_t *out_len)
{
	enum session_step step;
	size_t off = 0;

	for (;;) {
		size_t len, used;
		enum lines_scan r;

		if (out_cap - *out_len < LINES_REPLY_ROOM) {
			step = SESSION_OUTPUT_FULL;
			break;
		}
		r = lines_scan(in + off, in_len - off, &len, &used);
		if (r == LINES_PARTIAL) {
			step = SESSION_NEED_INPUT;
			break;
		}
		if (r != LINES_LINE) {
			off = in_len; /* nothing after bad input is trusted */
			step =
			    refuse(s, r == LINES_TOO_LONG ? LINES_TOO_LONG_MSG : LINES_NOT_TEXT_MSG,
				   out, out_len);
			break;
		}
		/* Each line is one request to the simulated backend (as each
		 * HTTP request is); the line is consumed once answered. */
		if (!s->pending && (cfg->delay_us || cfg->work_ns)) {
			if (cfg->work_ns && !cfg->defer_work)
				util_spin_ns(cfg->work_ns);
			if (cfg->delay_us || cfg->defer_work) {
				s->pending = 1;
				step = SESSION_DELAY;
				break;
			}
		}
		s->pending = 0;
		answer(s, in + off, len, out, out_len);
		off += used;
		stats_add(STAT_REQUESTS, 1);
	}
	*consumed = off;
	return step;
}

void lines_end(struct session *s)
{
	free(s->lines_prev);
	s->lines_prev = NULL;
}
