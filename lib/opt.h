/*
 * opt.h - the command line every server shares.
 *
 * Every model takes the same knobs with the same names (listed in README.md,
 * "Running one server by hand"), so that the harness can start any of them the
 * same way.  opt_parse() fills a struct server_config and exits with a usage
 * message on bad input.
 */
#ifndef MODELBENCH_OPT_H
#define MODELBENCH_OPT_H

#include <stdbool.h>

enum proto { PROTO_ECHO, PROTO_HTTP, PROTO_LINES };

struct server_config {
	enum proto proto;
	const char *host;     /* address to bind; default 127.0.0.1 */
	int port;	      /* 0 = any free port */
	int workers;	      /* threads or processes; 0 = the model's default */
	int backlog;	      /* listen() backlog */
	int idle_timeout_s;   /* close a connection silent this long; 0 = never */
	int header_timeout_s; /* a request head must arrive within this; 0 = never */
	long delay_us;	      /* simulated backend wait per request */
	long work_ns;	      /* CPU spin per request (--work-us / --work-ns) */
	bool delay_blocking;  /* event loops sleep inside the loop (the classic mistake) */
	/* An adaptive pool (prefork) moves between these, and workers is then
	 * its maximum; 0 = the model's default.  Other models ignore them. */
	int start_workers; /* started at once (Apache: StartServers) */
	int min_spare;	   /* fewer idle workers: start more (MinSpareServers) */
	int max_spare;	   /* more idle workers: stop one (MaxSpareServers) */
	/* Server push (lib/push.h): events published per second, 0 = the push
	 * endpoints answer 404; a held long poll is answered 204 after this. */
	long publish_hz;
	long poll_timeout_ms;
	/* Not an option: set by a model that runs each request's blocking part
	 * (the --work-us spin, a --delay-blocking sleep) on other threads
	 * (reactor_run_offload, epoll-offload).  The session then leaves the
	 * spin to conn_run_job(); false for every other model. */
	bool defer_work;
};

struct model;

/* Fills cfg from argv.  Prints usage and exits 0 on --help, exits 2 on a bad
 * option or value, naming it.  The model supplies its name and default
 * worker count for the usage text. */
void opt_parse(struct server_config *cfg, int argc, char **argv, const struct model *m);

#endif
