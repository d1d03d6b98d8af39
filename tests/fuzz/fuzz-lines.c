/*
 * fuzz-lines.c - libFuzzer target for --proto lines (lib/lines.c).
 *
 * Two parts, both on every input:
 *
 * The parser, lines_scan(), on a heap block of exactly the input's size (an
 * over-read is caught by ASan), and on its prefixes (every one up to 64
 * bytes, a sample of the longer ones), checking:
 *   - its contract: a line's length and ending are within the input, the
 *     line holds no "\n", at most LINES_MAX bytes, and its "\r\n" ending, if
 *     any, is dropped;
 *   - that it agrees with a second, independent judge of "text" written
 *     here (decode each UTF-8 code point, then ask: a control character,
 *     a surrogate, an overlong form, above U+10FFFF?), so that a mistake
 *     in lines.c's byte-range table shows up as a disagreement;
 *   - that more bytes never change an answer already given: a prefix that
 *     is a line or an error stays so, which is what lets a model pass the
 *     same partial line again with more behind it.
 *
 * The session, session_process() with PROTO_LINES, driven by fuzz.h as
 * tests/fuzz/fuzz-session.c drives echo and HTTP: the whole input in one
 * read, then cut into small reads (first byte: how), giving the same
 * answer; no output past out_cap; the last answer before a close is one of
 * the two error messages.  session_end() frees the previous line, so a
 * leak in that path fails under LeakSanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lines.h"
#include "stats.h"

/* The second judge.  Decodes the code point at p (avail bytes): returns
 * its length, 0 if the input ends inside it (and what came so far could
 * still be valid), -1 if it is not text. */
static int judge_char(const unsigned char *p, size_t avail)
{
	int n = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : -1;
	uint32_t cp;

	if (n < 0 || p[0] > 0xF7)
		return -1;
	cp = n == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> n));
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= avail) {
			/* Still possibly valid only if the bits so far allow it. */
			uint32_t lo = cp << (6 * (n - i)), hi = lo | ((1u << (6 * (n - i))) - 1);
			uint32_t min = n == 2 ? 0xA0 : n == 3 ? 0x800 : 0x10000;
			if (hi < min || lo > 0x10FFFF || (lo >= 0xD800 && hi <= 0xDFFF))
				return -1;
			return 0;
		}
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return -1; /* overlong */
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	if ((cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F))
		return -1; /* C0 (but tab), DEL, C1 */
	return n;
}

/* Whether line[0..len) is text by the second judge. */
static int judge_text(const unsigned char *line, size_t len)
{
	for (size_t i = 0; i < len;) {
		int n = judge_char(line + i, len - i);
		if (n <= 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

/* Checks lines_scan() on in[0..len), a block of exactly that size. */
static enum lines_scan check_scan(const unsigned char *in, size_t len, size_t *used_out)
{
	size_t line_len = 0, used = 0;
	enum lines_scan r = lines_scan((const char *)in, len, &line_len, &used);

	*used_out = used;
	if (r == LINES_LINE) {
		CHECK(used >= 1 && used <= len && in[used - 1] == '\n');
		CHECK(line_len <= LINES_MAX && memchr(in, '\n', used - 1) == NULL);
		CHECK(line_len == used - 1 || (line_len == used - 2 && in[used - 2] == '\r'));
		CHECK(judge_text(in, line_len)); /* the line is text */
	}
	if (r == LINES_PARTIAL) { /* no newline, and nothing bad so far */
		CHECK(memchr(in, '\n', len) == NULL);
		size_t body = len > 0 && in[len - 1] == '\r' ? len - 1 : len;
		CHECK(body <= LINES_MAX);
		for (size_t i = 0; i < body;) {
			int n = judge_char(in + i, body - i);
			CHECK(n >= 0);
			if (n == 0)
				break;
			i += (size_t)n;
		}
	}
	if (r == LINES_NOT_TEXT) { /* the judge finds a bad byte before any newline */
		const unsigned char *nl = memchr(in, '\n', len);
		size_t end = nl ? (size_t)(nl - in) : len;
		int bad = 0;
		for (size_t i = 0; i < end && !bad;) {
			int n = in[i] == '\r' ? (i + 1 < len && in[i + 1] != '\n' ? -1 : 1)
					      : judge_char(in + i, len - i);
			bad = n < 0;
			if (n == 0)
				break;
			i += n > 0 ? (size_t)n : 0;
		}
		CHECK(bad);
	}
	return r;
}

static void fuzz_scan(const uint8_t *data, size_t size)
{
	enum lines_scan first = LINES_PARTIAL;
	size_t first_used = 0, used;

	/* Every prefix up to 64 bytes, then about 64 more spread over the
	 * rest and the last few: every prefix of a 4 KiB input would make
	 * each run quadratic, and slow. */
	for (size_t k = 0; k <= size; k += k < 64 || size - k <= 4 ? 1 : 1 + size / 64) {
		unsigned char *in = malloc(k ? k : 1);
		memcpy(in, data, k);
		enum lines_scan r = check_scan(in, k, &used);
		free(in);
		if (first != LINES_PARTIAL) { /* an answer, once given, stands */
			CHECK(r == first);
			CHECK(r != LINES_LINE || used == first_used);
		}
		if (first == LINES_PARTIAL && r != LINES_PARTIAL)
			first = r, first_used = used;
	}
}

static int ends_with(const struct transcript *t, const char *s)
{
	size_t n = strlen(s);
	return t->len >= n && memcmp(t->data + t->len - n, s, n) == 0;
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
	struct server_config cfg = {.proto = PROTO_LINES};
	struct transcript whole, pieces;

	if (size < 1 || size > 4096)
		return 0;
	fuzz_scan(data + 1, size - 1);
	cfg.delay_us = data[0] & 1; /* every answer through SESSION_DELAY */
	fuzz_run_session(&cfg, data + 1, size - 1, 0, &whole);
	fuzz_run_session(&cfg, data + 1, size - 1, 1 + (data[0] >> 1), &pieces);
	CHECK(whole.len == pieces.len && whole.closed == pieces.closed);
	CHECK(whole.len == 0 || memcmp(whole.data, pieces.data, whole.len) == 0);
	CHECK(!whole.closed || ends_with(&whole, LINES_TOO_LONG_MSG) ||
	      ends_with(&whole, LINES_NOT_TEXT_MSG));
	free(whole.data);
	free(pieces.data);
	return 0;
}
