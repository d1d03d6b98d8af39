/*
 * test_http.c - adversarial unit tests for the HTTP parser and the session.
 *
 * Every input is copied so that it ends right before a PROT_NONE page: a
 * parser that reads one byte too far crashes (the picohttpparser trick).
 * Every valid request is also parsed split at every byte position.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http.h"
#include "opt.h"
#include "session.h"
#include "stats.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok - ");                                                           \
		} else {                                                                           \
			printf("not ok - ");                                                       \
			failures++;                                                                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static char *guard_area;
static size_t guard_len;

/* Returns a copy of s[0..len) whose last byte sits just before an unreadable page. */
static const char *guarded(const char *s, size_t len)
{
	char *end = guard_area + guard_len;

	memcpy(end - len, s, len);
	return end - len;
}

static void setup_guard(void)
{
	long page = sysconf(_SC_PAGESIZE);

	guard_len = 64 * 1024;
	guard_area = mmap(NULL, guard_len + (size_t)page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_area == MAP_FAILED || mprotect(guard_area + guard_len, (size_t)page, PROT_NONE)) {
		perror("guard page");
		exit(1);
	}
}

static int parse(const char *s, size_t len, struct http_request *req)
{
	return http_parse_request(guarded(s, len), len, req);
}

static const char *const valid[] = {
    "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET /?q=1 HTTP/1.1\nHost: a\n\n",
    "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 5\r\nX-Empty:\r\n\r\n",
    "GET /long/path/with%20escapes HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "\r\nGET / HTTP/1.1\r\nHost:   spaced   \r\n\r\n",
};

static void test_valid_split_everywhere(void)
{
	struct http_request req;

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t len = strlen(valid[i]);
		int bad_split = -1;
		for (size_t k = 0; k < len; k++)
			if (parse(valid[i], k, &req) != -2 && bad_split < 0)
				bad_split = (int)k;
		int n = parse(valid[i], len, &req);
		CHECK(bad_split < 0, "valid request %zu is partial at every split before its end",
		      i);
		CHECK(n == (int)len, "valid request %zu parses whole (%d of %zu bytes)", i, n, len);
	}
}

struct bad_case {
	const char *name;
	const char *input;
	int status;
	size_t len; /* for inputs with a NUL byte; 0 = strlen(input) */
};

static const struct bad_case bad[] = {
    {"no version", "GET /\r\n\r\n", 400},
    {"two spaces", "GET  / HTTP/1.1\r\n\r\n", 400},
    {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 400},
    {"lowercase version", "GET / http/1.1\r\n\r\n", 400},
    {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
    {"folded header", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400},
    {"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400},
    {"control byte in value", "GET / HTTP/1.1\r\nX: a\001b\r\n\r\n", 400},
    {"bare CR in value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400},
    {"NUL in path", "GET /\0 HTTP/1.1\r\n\r\n", 400, sizeof("GET /\0 HTTP/1.1\r\n\r\n") - 1},
    {"CL negative", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
    {"CL plus sign", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400},
    {"CL hex", "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400},
    {"CL empty", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400},
    {"CL list", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", 400},
    {"CL inner space", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400},
    {"CL overflow 2^64", "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 400},
    {"CL overflow long", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
    {"CL duplicate equal", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
     400},
    {"CL duplicate conflicting",
     "POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", 400},
    {"TE chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
    {"TE gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
    {"TE with CL", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
     400},
    {"CL with TE", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
     400},
};

static void test_bad_inputs(void)
{
	struct http_request req;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].input);
		int n = parse(bad[i].input, len, &req);
		CHECK(n == -1 && req.status == bad[i].status,
		      "bad input '%s' -> %d (got %d, status %d)", bad[i].name, bad[i].status, n,
		      req.status);
	}
}

static void test_content_length_max(void)
{
	const char *s = "POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n";
	struct http_request req;
	int n = parse(s, strlen(s), &req);

	CHECK(n > 0 && req.content_length == UINT64_MAX,
	      "Content-Length 2^64-1 is accepted exactly");
}

static void test_oversized_head(void)
{
	static char big[HTTP_MAX_HEAD + 200];
	struct http_request req;
	size_t len;

	strcpy(big, "GET / HTTP/1.1\r\nX-Big: ");
	len = strlen(big);
	memset(big + len, 'a', sizeof(big) - len - 4);
	memcpy(big + sizeof(big) - 4, "\r\n\r\n", 4);
	CHECK(parse(big, HTTP_MAX_HEAD - 1, &req) == -2,
	      "a partial head under 8 KiB waits for more");
	int n = parse(big, sizeof(big), &req);
	CHECK(n == -1 && req.status == 431, "a head over 8 KiB is answered 431 (got %d/%d)", n,
	      req.status);
	n = parse(big, HTTP_MAX_HEAD, &req);
	CHECK(n == -1 && req.status == 431, "8 KiB with no end of head is 431 at once");
}

static void test_keep_alive_rules(void)
{
	struct http_request req;
	const char *s;

	s = "GET / HTTP/1.1\r\n\r\n";
	CHECK(parse(s, strlen(s), &req) > 0 && req.keep_alive,
	      "1.1 keeps the connection by default");
	s = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
	CHECK(parse(s, strlen(s), &req) > 0 && !req.keep_alive, "1.1 honours Connection: close");
	s = "GET / HTTP/1.0\r\n\r\n";
	CHECK(parse(s, strlen(s), &req) > 0 && !req.keep_alive, "1.0 closes by default");
	s = "GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n";
	CHECK(parse(s, strlen(s), &req) > 0 && req.keep_alive,
	      "1.0 honours Connection: keep-alive");
}

/* Feeds input to a session in chunks of step bytes (keeping what it did not
 * consume, as a model does) and returns the number of responses. */
static int run_session(const char *input, size_t len, size_t step, enum session_step *last)
{
	static char in[64 * 1024], out[64 * 1024];
	struct server_config cfg = {.proto = PROTO_HTTP};
	struct session s;
	size_t have = 0, fed = 0, used, out_len;
	int responses = 0;

	session_init(&s, PROTO_HTTP);
	*last = SESSION_NEED_INPUT;
	while (fed < len && *last != SESSION_CLOSE) {
		size_t n = len - fed < step ? len - fed : step;
		memcpy(in + have, input + fed, n);
		have += n;
		fed += n;
		out_len = 0;
		*last = session_process(&s, &cfg, in, have, &used, out, sizeof(out), &out_len);
		memmove(in, in + used, have - used);
		have -= used;
		for (char *p = out; (p = memmem(p, out_len - (size_t)(p - out), "HTTP/1.", 7)); p++)
			responses++;
	}
	return responses;
}

static void test_session_pipelining(void)
{
	static char many[100 * 64];
	const char *one = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *body =
	    "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /HTTP/1.1 GET / HTTP/1.1\r\n\r\n";
	const char *smuggle =
	    "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "GET / HTTP/1.1\r\n\r\n";
	enum session_step last;
	size_t len = 0;
	int bad_step = 0;

	for (int i = 0; i < 100; i++) {
		strcpy(many + len, one);
		len += strlen(one);
	}
	CHECK(run_session(many, len, len, &last) == 100,
	      "100 pipelined requests in one write get 100 responses");
	for (size_t step = 1; step <= 64; step++)
		if (run_session(many, len, step, &last) != 100)
			bad_step = (int)step;
	CHECK(
	    bad_step == 0,
	    "100 pipelined requests fed in chunks of 1..64 bytes get 100 responses (failed at %d)",
	    bad_step);
	CHECK(run_session(body, strlen(body), 7, &last) == 2,
	      "a Content-Length body is discarded and the next request answered");
	CHECK(run_session(smuggle, strlen(smuggle), 1000, &last) == 1 && last == SESSION_CLOSE,
	      "a request smuggled behind a TE+CL request is never answered");
}

int main(void)
{
	setup_guard();
	stats_init();
	test_valid_split_everywhere();
	test_bad_inputs();
	test_content_length_max();
	test_oversized_head();
	test_keep_alive_rules();
	test_session_pipelining();
	return failures ? 1 : 0;
}
