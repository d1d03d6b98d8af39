/*
 * target.c - the address to connect to and the bytes to send, both made
 * once before the run, so the hot loop only ever write()s ready bytes.
 */
#include "loadgen.h"
#include "process.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void resolve(struct lg_target *t, const struct lg_config *cfg)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	int rc = getaddrinfo(cfg->host, cfg->port, &hints, &res);

	if (rc != 0)
		lg_die("cannot resolve %s:%s: %s", cfg->host, cfg->port, gai_strerror(rc));
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

/* "GET /path HTTP/1.1", Host, the -H headers, and Connection: close when
 * every request gets its own connection (so the server closes first and
 * the response needs no other framing check). */
static char *build_http_request(const struct lg_config *cfg, size_t *len)
{
	bool v6 = strchr(cfg->host, ':') != NULL;
	size_t cap = 256 + strlen(cfg->path) + strlen(cfg->host);
	char *req, *p;

	for (int i = 0; i < cfg->nheaders; i++)
		cap += strlen(cfg->headers[i]) + 2;
	req = p = malloc(cap);
	if (!req)
		lg_die("out of memory");
	p += sprintf(p, "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n", cfg->path, v6 ? "[" : "",
		     cfg->host, v6 ? "]" : "", cfg->port);
	for (int i = 0; i < cfg->nheaders; i++)
		p += sprintf(p, "%s\r\n", cfg->headers[i]);
	if (!cfg->keepalive)
		p += sprintf(p, "Connection: close\r\n");
	p += sprintf(p, "\r\n");
	*len = (size_t)(p - req);
	return req;
}

/* Pseudo-random bytes of every value, so a server that flips, drops or
 * reorders bytes of a message is caught by the byte-exact comparison. */
static char *echo_message(size_t size)
{
	char *msg = malloc(size);
	uint32_t x = 2463534242u;

	if (!msg)
		lg_die("out of memory for a %zu-byte message", size);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		msg[i] = (char)(x >> 24);
	}
	return msg;
}

void target_init(struct lg_target *t, const struct lg_config *cfg)
{
	resolve(t, cfg);
	if (cfg->proto == LG_HTTP) {
		t->request = build_http_request(cfg, &t->reqlen);
	} else if (cfg->proto == LG_LINES) {
		/* Each client makes its own lines (client.c); this is the first. */
		t->request = strdup(LG_LINE_TEXT "1\n");
		if (!t->request)
			lg_die("out of memory");
		t->reqlen = strlen(t->request);
	} else {
		t->request = echo_message(cfg->size);
		t->reqlen = cfg->size;
	}
	t->batch = malloc(t->reqlen * (size_t)cfg->pipeline);
	if (!t->batch)
		lg_die("out of memory for %d pipelined requests", cfg->pipeline);
	for (int i = 0; i < cfg->pipeline; i++)
		memcpy(t->batch + (size_t)i * t->reqlen, t->request, t->reqlen);
}

void target_free(struct lg_target *t)
{
	free(t->request);
	free(t->batch);
}
