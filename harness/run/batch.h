/*
 * batch.h - whole batches timed with hyperfine, across models.
 *
 * A batch is the seed article's benchmark: N clients each send M messages,
 * think_ms apart ("100 clients x 10 messages, one per second", scaled down
 * so one run takes about a second).  hyperfine times the load generator
 * for every model with --parameter-list; the server is started once per
 * model in hyperfine's --setup and stopped in --cleanup (hyperfine 1.15 on
 * Debian 12 has no --conclude), by `bench server-start` / `server-stop`.
 * A model that cannot finish (iterative) is cut off after bound_s.
 * Reading the exports back is data/hyperfine.h.
 */
#ifndef BENCH_RUN_BATCH_H
#define BENCH_RUN_BATCH_H

#include "run/models.h"
#include "run/runner.h"

/* Runs every batch of env->suite; writes batch-<name>.json (hyperfine's
 * export) into env->outdir.  A missing hyperfine is reported and skipped. */
void batch_run_all(const struct runner_env *env, const struct model_list *m);

/* `bench server-start --build DIR --model M --proto P --cpus LIST --state
 * PREFIX`: starts the server pinned, waits for "listening on", writes
 * PREFIX.addr and PREFIX.pid, and exits leaving the server running. */
int batch_server_start(int argc, char **argv);

/* `bench server-stop --state PREFIX`: SIGTERM, then SIGKILL to the
 * server's group after 2 s; removes nothing of the logs. */
int batch_server_stop(int argc, char **argv);

#endif
