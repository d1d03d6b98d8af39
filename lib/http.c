/*
 * http.c - HTTP/1.1 request heads in, responses out; no I/O, no allocation.
 *
 * The parser is strict where leniency lets requests be smuggled past a proxy
 * (RFC 9112 sections 6.3 and 11.2): no whitespace before a header's colon, no
 * folded lines, no control bytes, Content-Length only as one plain decimal
 * number, and never together with Transfer-Encoding.  Lines may end in CRLF
 * or a bare LF, as RFC 9112 section 2.2 allows a recipient to accept.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* What the headers said, gathered while parsing, judged at the end. */
struct head_facts {
	int content_lengths; /* how many Content-Length headers */
	int bad_content_length;
	int transfer_encoding;
	int conn_close, conn_keep_alive;
};

static int is_tchar(unsigned char c)
{
	/* RFC 9110 token characters. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Finds the line that starts at p.  Returns the start of the next line and
 * sets *eol to where this line's CRLF or LF begins; NULL if no LF before end. */
static const char *next_line(const char *p, const char *end, const char **eol)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (lf == NULL)
		return NULL;
	*eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
	return lf + 1;
}

/* METHOD SP TARGET SP HTTP/1.x, exactly.  Returns 0 or -1. */
static int parse_request_line(const char *p, const char *eol, struct http_request *req)
{
	const char *q = p;

	while (q < eol && is_tchar((unsigned char)*q))
		q++;
	if (q == p || q == eol || *q != ' ')
		return -1;
	req->method = p;
	req->method_len = (size_t)(q - p);

	p = ++q;
	while (q < eol && (unsigned char)*q > 0x20 && *q != 0x7f)
		q++;
	if (q == p || q == eol || *q != ' ')
		return -1;
	req->path = p;
	req->path_len = (size_t)(q - p);

	p = q + 1;
	if (eol - p != 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return -1;
	req->minor_version = p[7] - '0';
	return 0;
}

/* A plain decimal number that fits in 64 bits, nothing else. */
static int parse_length(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Notes "close" and "keep-alive" among the comma-separated options. */
static void parse_connection(const char *p, const char *end, struct head_facts *f)
{
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *tok_end = comma ? comma : end;

		while (p < tok_end && (*p == ' ' || *p == '\t'))
			p++;
		const char *q = tok_end;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q - p == 5 && strncasecmp(p, "close", 5) == 0)
			f->conn_close = 1;
		else if (q - p == 10 && strncasecmp(p, "keep-alive", 10) == 0)
			f->conn_keep_alive = 1;
		p = comma ? comma + 1 : end;
	}
}

#define NAME_IS(lit) (name_len == sizeof(lit) - 1 && strncasecmp(p, lit, name_len) == 0)

/* NAME ":" OWS VALUE OWS.  Returns 0 or -1. */
static int parse_header_line(const char *p, const char *eol, struct http_request *req,
			     struct head_facts *f)
{
	const char *colon = p;

	while (colon < eol && is_tchar((unsigned char)*colon))
		colon++;
	if (colon == p || colon == eol || *colon != ':')
		return -1; /* also rejects "Name :" and folded lines */
	size_t name_len = (size_t)(colon - p);

	const char *v = colon + 1, *v_end = eol;
	for (const char *q = v; q < eol; q++)
		if (!is_value_char((unsigned char)*q))
			return -1;
	while (v < v_end && (*v == ' ' || *v == '\t'))
		v++;
	while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
		v_end--;

	if (NAME_IS("content-length")) {
		f->content_lengths++;
		if (parse_length(v, v_end, &req->content_length) < 0)
			f->bad_content_length = 1;
	} else if (NAME_IS("transfer-encoding")) {
		f->transfer_encoding = 1;
	} else if (NAME_IS("connection")) {
		parse_connection(v, v_end, f);
	}
	return 0;
}

/* Decides framing and persistence once the whole head is known. */
static int judge_head(const struct head_facts *f, struct http_request *req)
{
	if (f->transfer_encoding && f->content_lengths) {
		req->status = 400; /* the classic request-smuggling ambiguity */
		return -1;
	}
	if (f->transfer_encoding) {
		req->status = 501; /* chunked bodies are not implemented */
		return -1;
	}
	if (f->content_lengths > 1 || f->bad_content_length) {
		req->status = 400;
		return -1;
	}
	req->has_content_length = f->content_lengths == 1;
	if (!req->has_content_length)
		req->content_length = 0;
	if (req->minor_version >= 1)
		req->keep_alive = !f->conn_close;
	else
		req->keep_alive = f->conn_keep_alive && !f->conn_close;
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	const char *p = buf, *end = buf + limit, *eol, *next;
	struct head_facts facts = {0};

	memset(req, 0, sizeof(*req));
	if (len == 0)
		return -2; /* buf may be NULL: nothing is read */
	/* Robustness (RFC 9112 2.2): ignore empty lines before a request. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;

	next = next_line(p, end, &eol);
	if (next && parse_request_line(p, eol, req) < 0)
		goto out_bad;
	while (next) {
		p = next;
		next = next_line(p, end, &eol);
		if (next == NULL)
			break;
		if (eol == p) { /* the empty line: the head is complete */
			if (judge_head(&facts, req) < 0)
				return -1;
			return (int)(next - buf);
		}
		if (parse_header_line(p, eol, req, &facts) < 0)
			goto out_bad;
	}
	if (len >= HTTP_MAX_HEAD) {
		req->status = 431;
		return -1;
	}
	return -2;

out_bad:
	req->status = 400;
	return -1;
}

int http_route(const struct http_request *req)
{
	int known = (req->method_len == 3 && memcmp(req->method, "GET", 3) == 0) ||
		    (req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0) ||
		    (req->method_len == 4 && memcmp(req->method, "POST", 4) == 0);

	if (!known)
		return 405;
	if (req->path_len == 1 || (req->path_len > 1 && req->path[1] == '?'))
		return req->path[0] == '/' ? 200 : 404;
	return 404;
}

const char *http_date(void)
{
	static __thread char date[40];
	static __thread time_t cached;
	struct timespec ts;
	struct tm tm;

	/* The coarse clock is read from the vDSO: no system call per request. */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != cached) {
		cached = ts.tv_sec;
		gmtime_r(&cached, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	return date;
}

static const char *reason(int status, const char **body)
{
	switch (status) {
	case 200:
		*body = "Hello, World!";
		return "OK";
	case 400:
		*body = "Bad Request\n";
		return "Bad Request";
	case 404:
		*body = "Not Found\n";
		return "Not Found";
	case 405:
		*body = "Method Not Allowed\n";
		return "Method Not Allowed";
	case 408:
		*body = "Request Timeout\n";
		return "Request Timeout";
	case 431:
		*body = "Request Header Fields Too Large\n";
		return "Request Header Fields Too Large";
	default:
		*body = "Not Implemented\n";
		return "Not Implemented";
	}
}

size_t http_write_response(char *out, size_t cap, int status, int minor_version, bool keep_alive,
			   bool head_only)
{
	const char *body, *text = reason(status, &body);
	const char *conn = "";
	size_t body_len = strlen(body);
	int n;

	/* Say so only where the default (close for 1.0, keep for 1.1) is not what happens. */
	if (!keep_alive && minor_version >= 1)
		conn = "Connection: close\r\n";
	else if (keep_alive && minor_version == 0)
		conn = "Connection: keep-alive\r\n";
	n = snprintf(out, cap,
		     "HTTP/1.%d %d %s\r\nServer: modelbench\r\nDate: %s\r\n"
		     "Content-Type: text/plain\r\nContent-Length: %zu\r\n%s%s\r\n%s",
		     minor_version, status, text, http_date(), body_len, conn,
		     status == 405 ? "Allow: GET, HEAD, POST\r\n" : "", head_only ? "" : body);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}
