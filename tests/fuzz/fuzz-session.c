/*
 * fuzz-session.c - libFuzzer target for a whole session (lib/session.c).
 *
 * The first input byte picks the setup: bit 0 echo or HTTP, bit 1 a
 * --delay-us (so every answer goes through SESSION_DELAY), bits 2-7 how the
 * rest is cut into reads.  The rest is the byte stream a client sends.  The
 * target runs the session with fuzz.h's driver, the way lib/conn.c and
 * lib/blocking.c do, once with the whole stream in one read and once cut
 * into small reads, and checks:
 *   - the session's contract (fuzz.h checks it on every call);
 *   - the answer does not depend on how the bytes were cut (Date values
 *     blanked, since the clock may tick in between);
 *   - echo sends back exactly what it got; every HTTP answer starts with a
 *     status line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "stats.h"

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
	struct transcript whole, pieces;

	if (size < 1 || size > 256 * 1024)
		return 0;
	cfg.proto = (data[0] & 1) ? PROTO_ECHO : PROTO_HTTP;
	cfg.delay_us = (data[0] & 2) ? 1 : 0;
	fuzz_run_session(&cfg, data + 1, size - 1, 0, &whole);
	fuzz_run_session(&cfg, data + 1, size - 1, 1 + (data[0] >> 2), &pieces);
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
