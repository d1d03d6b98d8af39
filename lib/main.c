/*
 * main.c - wires a model to the shared parts; every server's main().
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "opt.h"
#include "server.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

int main(int argc, char **argv)
{
	static char progname[64];
	struct server_config cfg;
	char name[80];
	int listen_fd, rc;

	snprintf(progname, sizeof(progname), "server-%s", model.name);
	util_progname = progname;
	opt_parse(&cfg, argc, argv, &model);

	/* glibc gives the top of the heap back to the kernel whenever more
	 * than 128 KiB is free there, so a model that frees per-connection
	 * buffers newest first (green threads at shutdown, or any churn of
	 * connections) pays a brk() per close - 0.7 s for 10,000 connections.
	 * Every model gets the same allocator setting, so the allocator is not
	 * part of the comparison; peak RSS is unaffected. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);

	sig_init();
	stats_init();
	net_init();
	listen_fd = net_listen(cfg.host, cfg.port, cfg.backlog, model.flags & MODEL_REUSEPORT);
	if (listen_fd < 0)
		die("listen on %s:%d: %s", cfg.host, cfg.port, strerror(errno));
	net_local_name(listen_fd, name, sizeof(name));
	printf("listening on %s\n", name);
	fflush(stdout);

	rc = model.serve(listen_fd, &cfg);
	close(listen_fd);
	stats_print();
	return rc == 0 ? 0 : 1;
}
