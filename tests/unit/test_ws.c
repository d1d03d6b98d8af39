/*
 * test_ws.c - lib/ws.c on the RFC's own examples and known UTF-8 cases.
 *
 * The accept key and the masked "Hello" frame are RFC 6455's examples
 * (sections 1.3 and 5.7), so they test against the standard, not against
 * what this code happens to do.  The UTF-8 cases are RFC 3629's: overlong
 * forms, UTF-16 surrogates and values past U+10FFFF are invalid, and a
 * sequence cut at the end of a fragment is incomplete, not invalid.
 * Prints ok / not ok per case (tests/README.md).
 */
#include <stdio.h>
#include <string.h>

#include "ws.h"

static int failures;

static void expect(int cond, const char *what)
{
	printf("%s - ws: %s\n", cond ? "ok" : "not ok", what);
	failures += !cond;
}

static void accept_key(void)
{
	char out[29];

	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
	expect(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
	       "the accept key of RFC 6455 1.3's example");
	expect(ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==", 24), "a 16-byte base64 key is valid");
	expect(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ", 22), "a short key is not");
	expect(!ws_key_valid("dGhlIHNhbXBsZSBub25j*Q==", 24), "a key with a '*' is not");
}

static void frames(void)
{
	/* RFC 6455 5.7: a masked text frame "Hello". */
	static const char hello[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
	struct ws_frame f;
	char text[8] = {0};
	int status;

	expect(ws_parse_frame(hello, 11, &f, &status) == 11 && f.fin && f.opcode == WS_TEXT &&
		   f.len == 5,
	       "RFC 6455 5.7's masked Hello parses");
	ws_unmask(&f, text);
	expect(strcmp(text, "Hello") == 0, "and unmasks to Hello");
	for (size_t cut = 0; cut < 11; cut++)
		if (ws_parse_frame(hello, cut, &f, &status) != 0)
			expect(0, "every prefix of it is incomplete");
	expect(ws_parse_frame("\x81\x05Hello", 7, &f, &status) == -1 && status == WS_PROTOCOL_ERROR,
	       "an unmasked client frame is 1002");
	expect(ws_parse_frame("\x83\x80\0\0\0\0", 6, &f, &status) == -1 &&
		   status == WS_PROTOCOL_ERROR,
	       "opcode 3 is 1002");
	expect(ws_parse_frame("\x82\xff\0\0\0\0\0\x01\x11\x70", 10, &f, &status) == -1 &&
		   status == WS_TOO_BIG,
	       "a 70000-byte frame is 1009 from its header alone");

	char h[10];
	expect(ws_frame_header(h, 1, WS_TEXT, 125) == 2 && (unsigned char)h[1] == 125,
	       "a 125-byte payload has a 2-byte header");
	expect(ws_frame_header(h, 1, WS_TEXT, 126) == 4 && (unsigned char)h[1] == 126,
	       "126 bytes take the 16-bit length");
	expect(ws_frame_header(h, 0, WS_BINARY, 65536) == 10 && (unsigned char)h[0] == 0x02,
	       "65536 bytes take the 64-bit length; FIN clear as asked");
}

static int utf8(const char *s, size_t n, int *complete)
{
	uint32_t st = 0;
	int rc = ws_utf8_feed(&st, s, n);

	*complete = st == 0;
	return rc;
}

static void utf8_cases(void)
{
	static const struct {
		const char *s;
		size_t n;
		int valid, complete;
		const char *what;
	} cases[] = {
	    {"hello", 5, 1, 1, "ASCII"},
	    {"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e", 15, 1, 1, "2-, 3- and 4-byte forms"},
	    {"\xf4\x8f\xbf\xbf", 4, 1, 1, "U+10FFFF, the last code point"},
	    {"\xc0\x80", 2, 0, 0, "an overlong NUL"},
	    {"\xe0\x80\x80", 3, 0, 0, "an overlong 3-byte form"},
	    {"\xed\xa0\x80", 3, 0, 0, "a UTF-16 surrogate"},
	    {"\xf4\x90\x80\x80", 4, 0, 0, "past U+10FFFF"},
	    {"\x80", 1, 0, 0, "a lone continuation byte"},
	    {"\xff", 1, 0, 0, "0xFF"},
	    {"\xe2\x82", 2, 1, 0, "a 3-byte form cut short: incomplete, not invalid"},
	};
	int complete;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = utf8(cases[i].s, cases[i].n, &complete);
		expect((rc == 0) == cases[i].valid &&
			   (!cases[i].valid || complete == cases[i].complete),
		       cases[i].what);
	}
}

int main(void)
{
	accept_key();
	frames();
	utf8_cases();
	return failures ? 1 : 0;
}
