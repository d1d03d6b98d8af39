/*
 * server.h - the one seam between lib/ and a concurrency model.
 *
 * A model is one file in servers/ that defines `const struct model model`.
 * lib/main.c parses the command line, opens the listening socket, prints
 * "listening on HOST:PORT", installs the signal handlers and calls
 * model.serve().  When serve() returns, main prints the counters and exits.
 *
 * serve() must return within a second of SIGTERM or SIGINT (sig_stopping()
 * turns true and sig_fd() becomes readable), after reaping any worker
 * processes or threads it started.
 */
#ifndef MODELBENCH_SERVER_H
#define MODELBENCH_SERVER_H

#include "opt.h"

/* The listening socket must be opened with SO_REUSEPORT so that the model
 * can open more sockets on the same port. */
#define MODEL_REUSEPORT 0x1

#define MODEL_WORKERS_PER_CORE (-1)

/* An adaptive pool's defaults (prefork, after Apache's prefork MPM): the
 * parent keeps between min_spare and max_spare idle workers, from start at
 * first up to --workers.  All 0: the model's pool is fixed, or it has none. */
struct model_adaptive {
	int start_workers;
	int min_spare;
	int max_spare;
};

struct model {
	const char *name;    /* as in build/server-<name> */
	const char *about;   /* one line for --help */
	int default_workers; /* used when --workers is 0; 0 = model has none,
			      * MODEL_WORKERS_PER_CORE = one per online core */
	unsigned flags;	     /* MODEL_* */
	/* Used when --start-workers, --min-spare or --max-spare is 0. */
	struct model_adaptive adaptive;
	/* Serves listen_fd (blocking, CLOEXEC) until stopped.  Returns 0, or
	 * -1 after logging why it could not serve. */
	int (*serve)(int listen_fd, const struct server_config *cfg);
};

/* Defined by the model file linked into this server. */
extern const struct model model;

#endif
