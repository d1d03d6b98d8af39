/*
 * fuzz-http.c - libFuzzer target for the HTTP request-head parser (lib/http.c).
 *
 * The input is parsed from a heap buffer of exactly its size, so ASan stops
 * any read past the end.  Beyond "does not crash", the target checks the
 * contract in http.h, and the two properties the sessions rely on when they
 * parse a head again as more bytes arrive: every proper prefix of a complete
 * head is incomplete (-2), never an error or a different head; and bytes
 * after a head (a pipelined request, a body) change nothing, nor do bytes
 * after a malformed head.  A broken property aborts, which libFuzzer reports
 * as a crash with the input that caused it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

/* Parses data[0..len) from a buffer of exactly len bytes. */
static int parse_exact(const uint8_t *data, size_t len, struct http_request *req)
{
	char *buf = malloc(len ? len : 1);
	int n;

	memcpy(buf, data, len);
	n = http_parse_request(buf, len, req);
	/* The parsed request points into buf: check that before freeing it. */
	if (n > 0) {
		CHECK(req->method >= buf && req->method + req->method_len <= buf + n);
		CHECK(req->path >= buf && req->path + req->path_len <= buf + n);
		int route = http_route(req);
		CHECK(route == 200 || route == 404 || route == 405);
	}
	free(buf);
	return n;
}

static void check_contract(size_t len, int n, const struct http_request *req)
{
	if (n > 0) {
		CHECK((size_t)n <= len && n <= HTTP_MAX_HEAD);
		CHECK(req->minor_version == 0 || req->minor_version == 1);
		CHECK(req->method_len > 0 && req->path_len > 0);
		CHECK(req->has_content_length || req->content_length == 0);
	} else if (n == -1) {
		CHECK(req->status == 400 || req->status == 431 || req->status == 501);
	} else {
		CHECK(n == -2 && len < HTTP_MAX_HEAD);
	}
}

/* Each proper prefix of a complete head must parse as incomplete.  All of
 * them for short heads, a spread of them for long ones (time is bounded). */
static void check_prefixes(const uint8_t *data, int n)
{
	struct http_request req;
	int step = n <= 512 ? 1 : n / 97;

	for (int cut = n - 1; cut >= 0; cut -= step)
		CHECK(parse_exact(data, (size_t)cut, &req) == -2);
}

/* The verdict on data[0..len) must not change when more bytes follow. */
static void check_extension(const uint8_t *data, size_t len, int n, int status)
{
	static const char tail[] = "GET /x HTTP/1.1\r\n\r\n";
	struct http_request req;
	uint8_t *more = malloc(len + sizeof(tail));

	memcpy(more, data, len);
	memcpy(more + len, tail, sizeof(tail) - 1);
	int m = parse_exact(more, len + sizeof(tail) - 1, &req);
	if (n > 0)
		CHECK(m == n);
	else if (n == -1)
		CHECK(m == -1 && req.status == status);
	free(more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	int n = parse_exact(data, size, &req);

	check_contract(size, n, &req);
	if (n > 0)
		check_prefixes(data, n);
	if (n != -2)
		check_extension(data, n > 0 ? (size_t)n : size, n, req.status);
	return 0;
}
