/*
 * http.h - HTTP/1.1 request-head parser and response writer.
 *
 * Like picohttpparser: no I/O, no allocation, no state kept between calls.
 * The caller owns every buffer; the parsed request points into the caller's
 * input.  An incomplete head is simply parsed again from the start when more
 * bytes arrive (heads are at most HTTP_MAX_HEAD bytes, so this is bounded).
 */
#ifndef MODELBENCH_HTTP_H
#define MODELBENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request head (request line + headers + blank line) longer than this is
 * answered 431. */
#define HTTP_MAX_HEAD 8192

struct http_request {
	const char *method;
	size_t method_len;
	const char *path;
	size_t path_len;
	int minor_version; /* HTTP/1.<minor_version> */
	bool keep_alive;   /* after version and Connection: rules */
	bool has_content_length;
	uint64_t content_length; /* body bytes that follow the head */
	int status;		 /* on -1: the answer owed (400, 431, 501) */
};

/* Parses one request head from buf[0..len).
 * Returns the head's length in bytes (> 0) when complete, -2 when the head
 * is incomplete (and still within HTTP_MAX_HEAD), -1 when it is malformed:
 * then req->status is 400 (syntax, bad or conflicting Content-Length,
 * Transfer-Encoding together with Content-Length), 431 (head too large) or
 * 501 (a Transfer-Encoding we do not implement). */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The status a valid request gets: 200 for GET/HEAD/POST /, 404 for another
 * path, 405 for another method. */
int http_route(const struct http_request *req);

/* Writes the full response for status into out[0..cap): status line, Server,
 * a cached Date, Content-Type, Content-Length, Connection when needed, and
 * the body (omitted for HEAD when head_only).  Returns the length written, or
 * 0 when it does not fit in cap. */
size_t http_write_response(char *out, size_t cap, int status, int minor_version, bool keep_alive,
			   bool head_only);

/* The current Date header value ("Sun, 06 Nov 1994 08:49:37 GMT"), cached
 * per thread and rebuilt when the second changes. */
const char *http_date(void);

#endif
