/*
 * batch.c - hyperfine batches and the server-start/stop helpers they use.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/results.h"
#include "data/sys.h"
#include "run/batch.h"
#include "run/cli.h"
#include "run/proc.h"

/* hyperfine runs its commands through sh: quote every path we splice in. */
static char *shq(const char *s)
{
	size_t n = 3;
	char *q, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = o = sys_alloc(n);
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

struct batch_cmds {
	char *setup, *cleanup, *command;
};

/* The three shell commands of one batch; {model} is hyperfine's parameter. */
static void make_commands(struct batch_cmds *c, const struct runner_env *env, const struct batch *b,
			  const char *state)
{
	char *exe = cli_exe_dir(), *bench_path = sys_fmt("%s/bench", exe);
	char *json_prefix = sys_fmt("%s/hist/batch-%s-", env->outdir, b->name);
	char *bench = shq(bench_path), *build = shq(env->build_dir);
	char *st = shq(state), *lg = shq(env->loadgen), *cpus = shq(env->server_cpus);
	char *json = shq(json_prefix);

	c->setup = sys_fmt("%s server-start --build %s --model {model} --proto %s "
			   "--idle-timeout %d --cpus %s --state %s/{model}",
			   bench, build, b->proto, b->idle_timeout, cpus, st);
	c->cleanup = sys_fmt("%s server-stop --state %s/{model}", bench, st);
	/* timeout(1) bounds a model that cannot finish; -k makes sure. */
	c->command =
	    sys_fmt("timeout -k 1 %g %s --proto %s --size %d -c %d -n %d "
		    "--think-ms %d --timeout %dms --json %s{model}.json "
		    "\"$(cat %s/{model}.addr)\"",
		    b->bound_s, lg, b->proto, b->size, b->clients, b->clients * b->messages,
		    b->think_ms, (int)(b->bound_s * 1000), json, st);
	free(exe);
	free(bench_path);
	free(json_prefix);
	free(bench);
	free(build);
	free(st);
	free(lg);
	free(cpus);
	free(json);
}

static void free_commands(struct batch_cmds *c)
{
	free(c->setup);
	free(c->cleanup);
	free(c->command);
}

/* True if pid still runs argv0: a pid written long ago may have been
 * reused by someone else's process, which we must never kill. */
static bool runs_program(pid_t pid, const char *argv0)
{
	char *path = sys_fmt("/proc/%d/cmdline", (int)pid);
	char *cmdline = sys_read_file(path, NULL);
	bool same = cmdline && strcmp(cmdline, argv0) == 0;

	free(cmdline);
	free(path);
	return same;
}

/* Kills any server a batch left running (hyperfine killed mid-way): each
 * one wrote its pid, and is the leader of its own process group. */
static void kill_leftover_servers(const struct runner_env *env, const char *state,
				  const struct model_list *m)
{
	for (int i = 0; i < m->n; i++) {
		char *path = sys_fmt("%s/%s.pid", state, m->names[i]);
		char *server = sys_fmt("%s/server-%s", env->build_dir, m->names[i]);
		char *text = sys_read_file(path, NULL);
		pid_t pid = text ? atoi(text) : 0;

		if (pid > 1 && getpgid(pid) == pid && runs_program(pid, server) &&
		    proc_kill_group(pid, NULL) > 0)
			sys_warn("batch: killed a server left running (%s)", m->names[i]);
		free(text);
		free(server);
		free(path);
	}
	proc_reap_orphans();
}

/* Waits for hyperfine, bounded, and stops it if the harness is stopped. */
static int wait_hyperfine(pid_t pid, double limit_s, volatile sig_atomic_t *stopping)
{
	double deadline = sys_now() + limit_s;
	struct rusage ru;
	int status = -1;

	while (proc_wait(pid, 0.2, &status, &ru) < 0) {
		if (*stopping || sys_now() > deadline) {
			sys_warn("batch: stopping hyperfine (%s)",
				 *stopping ? "interrupted" : "took too long");
			kill(-pid, SIGKILL);
			proc_wait(pid, 2.0, &status, &ru);
			return -1;
		}
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Adds the batch's own settings to hyperfine's export as "batch" (read
 * back by hyperfine_load_batch()), so that the report can say what a
 * serial server would need from the file alone.  Returns 0 or -1. */
static int annotate(const char *path, const struct batch *b)
{
	json_t *root = json_load_file(path, 0, NULL);
	json_t *params =
	    json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:f}", "proto", b->proto, "clients",
		      b->clients, "messages", b->messages, "think_ms", b->think_ms, "size", b->size,
		      "idle_timeout_s", b->idle_timeout, "bound_s", b->bound_s);
	int rc = -1;

	if (json_is_object(root) && params && json_object_set_new(root, "batch", params) == 0) {
		params = NULL;
		rc = json_dump_file(root, path, JSON_INDENT(2));
	}
	json_decref(params);
	json_decref(root);
	return rc;
}

static void run_batch(const struct runner_env *env, const struct model_list *m,
		      const struct batch *b)
{
	char *state = sys_fmt("%s/logs/batch-%s", env->outdir, b->name);
	char *json = sys_fmt("%s/batch-%s.json", env->outdir, b->name);
	/* hyperfine exports as it goes: only a finished export is renamed to
	 * its real name, so a resumed suite can trust that one. */
	char *partial = sys_fmt("%s/logs/batch-%s.partial.json", env->outdir, b->name);
	char *log = sys_fmt("%s/logs/batch-%s.hyperfine.txt", env->outdir, b->name);
	char *models = models_join(m, ","), runs[16];
	struct batch_cmds c;
	double limit = m->n * (b->runs * (b->bound_s + 2) + 10) + 30;

	mkdir(state, 0755);
	make_commands(&c, env, b, state);
	snprintf(runs, sizeof(runs), "%d", b->runs);
	/* The command line, as hyperfine reads it. */
	/* clang-format off */
	char *argv[] = { "/usr/bin/env", "hyperfine", "--runs", runs, "--ignore-failure",
		"--style", "basic", "--export-json", partial, "--parameter-list", "model",
		models, "--command-name", "{model}", "--setup", c.setup,
		"--cleanup", c.cleanup, c.command, NULL };
	/* clang-format on */
	struct proc_spawn sp = {.argv = argv,
				.out_path = log,
				.err_path = log,
				.new_group = true,
				.die_with_parent = true};
	pid_t pid;

	fprintf(stderr,
		"bench: batch %s: %d clients x %d %s, %d ms apart, "
		"%d models x %d runs (up to %.0f s)\n",
		b->name, b->clients, b->messages,
		strcmp(b->proto, "lines") == 0 ? "lines" : "echo messages", b->think_ms, m->n,
		b->runs, limit);
	unlink(partial);
	pid = proc_start(&sp);
	if (pid < 0 || wait_hyperfine(pid, limit, env->stopping) < 0)
		sys_warn("batch %s: hyperfine failed, see %s", b->name, log);
	else if (annotate(partial, b) < 0)
		sys_warn("batch %s: cannot add its settings to %s", b->name, partial);
	else if (rename(partial, json) < 0)
		sys_warn("batch %s: cannot rename %s: %s", b->name, partial, strerror(errno));
	kill_leftover_servers(env, state, m);
	free_commands(&c);
	free(models);
	free(log);
	free(partial);
	free(json);
	free(state);
}

void batch_run_all(const struct runner_env *env, const struct model_list *m)
{
	char *argv[] = {"hyperfine", "--version", NULL};
	char *version;

	if (env->suite->n_batches == 0)
		return;
	version = sys_first_line(argv);
	if (!version) {
		sys_warn("hyperfine is not installed: skipping the batches");
		return;
	}
	free(version);
	for (int i = 0; i < env->suite->n_batches && !*env->stopping; i++) {
		const struct batch *b = &env->suite->batches[i];
		char *done = sys_fmt("%s/batch-%s.json", env->outdir, b->name);

		/* A resumed run keeps a batch that already finished. */
		if (access(done, F_OK) == 0)
			fprintf(stderr, "bench: batch %s: already done\n", b->name);
		else
			run_batch(env, m, b);
		free(done);
	}
}

struct helper_opts {
	const char *build, *model, *proto, *cpus, *state;
	const char *idle_timeout; /* server --idle-timeout; NULL or "0": its default */
};

static void parse_helper(struct helper_opts *h, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"build", 1, NULL, 'b'}, {"model", 1, NULL, 'm'}, {"proto", 1, NULL, 'p'},
	    {"cpus", 1, NULL, 'c'},  {"state", 1, NULL, 's'}, {"idle-timeout", 1, NULL, 'i'},
	    {NULL, 0, NULL, 0}};
	int c;

	memset(h, 0, sizeof(*h));
	h->proto = "echo";
	h->cpus = "0";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			h->build = optarg;
			break;
		case 'm':
			h->model = optarg;
			break;
		case 'p':
			h->proto = optarg;
			break;
		case 'c':
			h->cpus = optarg;
			break;
		case 's':
			h->state = optarg;
			break;
		case 'i':
			h->idle_timeout = optarg;
			break;
		default:
			die("%s: bad option", argv[0]);
		}
	}
	if (!h->state)
		die("%s: --state PREFIX is required", argv[0]);
}

/* Writes PREFIX.<suffix> atomically. */
static void write_state(const char *prefix, const char *suffix, const char *text)
{
	char *path = sys_fmt("%s.%s", prefix, suffix);

	if (results_write_atomic(path, text, strlen(text)) < 0)
		die("cannot write %s: %s", path, strerror(errno));
	free(path);
}

int batch_server_start(int argc, char **argv)
{
	struct helper_opts h;
	char *server, *out, *err, line[160], addr[96], pid_text[32];
	pid_t pid;

	parse_helper(&h, argc, argv);
	if (!h.build || !h.model)
		die("server-start: --build and --model are required");
	server = sys_fmt("%s/server-%s", h.build, h.model);
	out = sys_fmt("%s.out", h.state);
	err = sys_fmt("%s.err", h.state);
	char *sargv[] = {
	    server, "--proto", (char *)h.proto, "--host", "127.0.0.1", "--port", "0", NULL,
	    NULL,   NULL};
	if (h.idle_timeout && strcmp(h.idle_timeout, "0")) {
		sargv[7] = "--idle-timeout";
		sargv[8] = (char *)h.idle_timeout;
	}
	/* No die_with_parent: the server must outlive this helper. */
	struct proc_spawn sp = {
	    .argv = sargv, .cpus = h.cpus, .out_path = out, .err_path = err, .new_group = true};

	pid = proc_start(&sp);
	if (pid < 0 || proc_wait_line(out, "listening on ", line, sizeof(line), pid, 5.0) < 0 ||
	    sscanf(line, "listening on %95s", addr) != 1) {
		if (pid > 0)
			kill(-pid, SIGKILL);
		die("server-start: %s did not start (see %s)", server, err);
	}
	snprintf(pid_text, sizeof(pid_text), "%d\n", (int)pid);
	write_state(h.state, "pid", pid_text);
	write_state(h.state, "addr", addr);
	return 0;
}

/* True once pid has exited (gone, or a zombie waiting for its reaper). */
static bool exited(pid_t pid)
{
	char *path = sys_fmt("/proc/%d/stat", (int)pid), *text = sys_read_file(path, NULL);
	char *paren = text ? strrchr(text, ')') : NULL;
	bool gone = !paren || paren[2] == 'Z' || paren[2] == 'X';

	free(text);
	free(path);
	return gone;
}

int batch_server_stop(int argc, char **argv)
{
	struct helper_opts h;
	char *path, *text;
	pid_t pid;
	double deadline;

	parse_helper(&h, argc, argv);
	path = sys_fmt("%s.pid", h.state);
	text = sys_read_file(path, NULL);
	pid = text ? atoi(text) : 0;
	if (pid <= 1)
		die("server-stop: no pid in %s", path);
	kill(pid, SIGTERM);
	for (deadline = sys_now() + 2.0; !exited(pid) && sys_now() < deadline;)
		sys_sleep(0.01);
	if (!exited(pid)) {
		sys_warn("server-stop: pid %d stalled after SIGTERM, killing it", (int)pid);
		kill(-pid, SIGKILL);
	}
	free(text);
	free(path);
	return 0;
}
