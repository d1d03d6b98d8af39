/*
 * fuzz-ws.c - libFuzzer target for the WebSocket frame parser (lib/ws.c)
 * and the WebSocket session on top of it (lib/push.c).
 *
 * Part one parses the input as a stream of frames, each from a heap buffer
 * of exactly the bytes left, so ASan stops any read past the end, and
 * checks the contract in ws.h: a complete frame lies within the input and
 * within WS_MAX_MESSAGE; an error is 1002 or 1009; every proper prefix of a
 * complete frame is incomplete (0) - the models parse a frame again as it
 * grows, so a prefix judged an error would close a good client - and bytes
 * after a frame change nothing.  Text payloads are checked for UTF-8 once
 * whole and once byte by byte, which must agree (fragments split text
 * anywhere).  Part two runs the same bytes through a WebSocket session the
 * way lib/conn.c does (unconsumed input kept and passed again, output taken
 * whenever the session asks) and checks consumed <= given, output <= cap,
 * and that the session ends after it closes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "push.h"
#include "session.h"
#include "stats.h"
#include "ws.h"

/* Parses data[0..len) from a buffer of exactly len bytes. */
static int parse_exact(const uint8_t *data, size_t len, struct ws_frame *f, int *status)
{
	char *buf = malloc(len ? len : 1);
	int n;

	memcpy(buf, data, len);
	n = ws_parse_frame(buf, len, f, status);
	if (n > 0) {
		CHECK((size_t)n <= len && f->len <= WS_MAX_MESSAGE);
		CHECK(f->payload >= buf && f->payload + f->len == buf + n);
		CHECK((const char *)f->mask + 4 == f->payload);
	}
	free(buf);
	return n;
}

/* UTF-8 all at once and byte by byte must agree. */
static void check_utf8(const char *p, size_t len)
{
	uint32_t whole = 0, split = 0;
	int a = ws_utf8_feed(&whole, p, len), b = 0;

	for (size_t i = 0; i < len && b == 0; i++)
		b = ws_utf8_feed(&split, p + i, 1);
	CHECK(a == b);
	if (a == 0)
		CHECK(whole == split);
}

static void frames(const uint8_t *data, size_t len)
{
	struct ws_frame f;
	int n, status;

	while (len > 0) {
		n = parse_exact(data, len, &f, &status);
		if (n < 0) {
			CHECK(status == WS_PROTOCOL_ERROR || status == WS_TOO_BIG);
			return;
		}
		if (n == 0)
			return;
		int step = n <= 256 ? 1 : n / 61;
		for (int cut = n - 1; cut >= 0; cut -= step) {
			struct ws_frame g;
			CHECK(parse_exact(data, (size_t)cut, &g, &status) == 0);
		}
		char *text = malloc(f.len ? f.len : 1);
		struct ws_frame again;
		char *buf = malloc((size_t)n);
		memcpy(buf, data, (size_t)n);
		CHECK(ws_parse_frame(buf, (size_t)n, &again, &status) == n);
		ws_unmask(&again, text);
		if (again.opcode == WS_TEXT)
			check_utf8(text, again.len);
		free(buf);
		free(text);
		data += n;
		len -= (size_t)n;
	}
}

/* The bytes through a WebSocket session, cut into reads of 1 to 64 bytes
 * chosen by the input's first byte. */
static void session_stream(const uint8_t *data, size_t len)
{
	static char out[SESSION_OUT_MAX];
	struct server_config cfg = {.proto = PROTO_HTTP, .publish_hz = 1, .poll_timeout_ms = 1000};
	struct session s;
	size_t cut = len ? (size_t)(data[0] % 64) + 1 : 1, given = 0;
	char *held = malloc(len + 1);
	size_t held_len = 0;

	session_init(&s, PROTO_HTTP);
	s.push = PUSH_WS;
	s.push_seq = UINT64_MAX; /* no events: the output is only the answers */
	while (given < len || held_len > 0) {
		size_t take = len - given < cut ? len - given : cut, used, out_len = 0;
		memcpy(held + held_len, data + given, take);
		held_len += take;
		given += take;
		enum session_step step =
		    session_process(&s, &cfg, held, held_len, &used, out, sizeof(out), &out_len);
		CHECK(used <= held_len && out_len <= sizeof(out));
		memmove(held, held + used, held_len - used);
		held_len -= used;
		if (step == SESSION_CLOSE) {
			CHECK(s.closing);
			break;
		}
		CHECK(step == SESSION_DELAY || step == SESSION_OUTPUT_FULL);
		if (step == SESSION_DELAY && given == len)
			break; /* waits for more input, and there is none */
	}
	free(held);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	stats_init(); /* the session counts requests and bad frames */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	frames(data, size);
	session_stream(data, size);
	return 0;
}
