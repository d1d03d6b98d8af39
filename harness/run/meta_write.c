/*
 * meta_write.c - meta.json as a run writes it (run/meta_write.h), built
 * with jansson.
 *
 * Everything recorded here is asked of the system at run time (uname,
 * /proc/cpuinfo, pkg-config, git, the server binary's DWARF producer
 * string), never assumed.  Reading the file back is data/meta.c's job; a
 * --resume reads its options through it too.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "data/meta.h"
#include "data/results.h"
#include "data/sys.h"
#include "run/doctor.h"
#include "run/meta_write.h"

/* Sets obj.key to the first output line of argv, or null. */
static void set_command(json_t *obj, const char *key, char *const argv[])
{
	char *line = sys_first_line(argv);

	json_object_set_new(obj, key, line ? json_string(line) : json_null());
	free(line);
}

static json_t *cpu_model(void)
{
	char *text = sys_read_file("/proc/cpuinfo", NULL), *p, *end;
	json_t *v = json_null();

	p = text ? strstr(text, "model name") : NULL;
	if (p && (p = strchr(p, ':'))) {
		end = strchr(p, '\n');
		if (end)
			*end = '\0';
		v = json_string(sys_trim(p + 1));
	}
	free(text);
	return v;
}

/* pkg-config knows most libraries; libev ships no .pc file on Debian, so
 * its development package's version is asked of dpkg instead. */
static json_t *library_versions(void)
{
	const char *libs[] = {"libevent", "libuv", "liburing", "libev", "jansson"};
	const char *debs[] = {"libevent-dev", "libuv1-dev", "liburing-dev", "libev-dev",
			      "libjansson-dev"};
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		char *pc_argv[] = {"pkg-config", "--modversion", (char *)libs[i], NULL};
		char *deb_argv[] = {"dpkg-query",    "-W", "-f", "${Version} (dpkg)\n",
				    (char *)debs[i], NULL};

		set_command(o, libs[i], pc_argv);
		if (json_is_null(json_object_get(o, libs[i])))
			set_command(o, libs[i], deb_argv);
	}
	return o;
}

/* "abc123" or "abc123-dirty"; null outside a repository or before the
 * first commit. */
static json_t *git_commit(const char *top)
{
	char *head_argv[] = {"git", "-C", (char *)top, "rev-parse", "HEAD", NULL};
	char *dirty_argv[] = {
	    "git", "-C", (char *)top, "status", "--porcelain", "--untracked-files=no", NULL};
	char *head = sys_first_line(head_argv), *dirty, *commit;
	json_t *v;

	if (!head)
		return json_null();
	dirty = sys_first_line(dirty_argv);
	commit = dirty ? sys_fmt("%s-dirty", head) : sys_strdup(head);
	v = json_string(commit);
	free(commit);
	free(dirty);
	free(head);
	return v;
}

/* The compiler and flags the servers were really built with, from the
 * DW_AT_producer string gcc puts in the debug info (-g is in CFLAGS). */
static void build_info(json_t *m, const char *server)
{
	char *cc_argv[] = {"cc", "--version", NULL};
	char *producer_argv[] = {
	    "sh",
	    "-c",
	    "readelf --debug-dump=info \"$1\" 2>/dev/null | grep -m1 DW_AT_producer "
	    "| sed 's/.*DW_AT_producer *: *//; s/([^)]*): *//'",
	    "sh",
	    (char *)server,
	    NULL};
	const char *env = getenv("MODELBENCH_CFLAGS");

	set_command(m, "compiler", cc_argv);
	set_command(m, "server_build", producer_argv);
	json_object_set_new(m, "cflags_env", env ? json_string(env) : json_null());
}

/* The sha256 of a file (sha256sum's first word), or null. */
static json_t *checksum(const char *path)
{
	char *argv[] = {"sha256sum", "--", (char *)path, NULL};
	char *line = sys_first_line(argv), *space;
	json_t *v;

	if (!line)
		return json_null();
	space = strchr(line, ' ');
	if (space)
		*space = '\0';
	v = json_string(line);
	free(line);
	return v;
}

/* meta.json "builds": each --build folder with its label, the git commit
 * of the work tree it is in (null outside one) and the checksum of every
 * server binary, so that two builds compared later are known to differ. */
static json_t *builds_info(const struct run_opts *o, const struct model_list *models)
{
	json_t *list = json_array();

	for (int b = 0; b < o->n_builds; b++) {
		char *real = realpath(o->builds[b].dir, NULL);
		json_t *e = json_object(), *sums = json_object();

		json_object_set_new(e, "label", json_string(o->builds[b].label));
		json_object_set_new(e, "path", json_string(real ? real : o->builds[b].dir));
		json_object_set_new(e, "git_commit", git_commit(real ? real : o->builds[b].dir));
		for (int i = 0; i < models->n; i++) {
			char *server = sys_fmt("%s/server-%s", o->builds[b].dir, models->names[i]);

			json_object_set_new(sums, models->names[i], checksum(server));
			free(server);
		}
		json_object_set_new(e, "server_sha256", sums);
		json_array_append_new(list, e);
		free(real);
	}
	return list;
}

/* A random id the kernel draws at every boot: two runs with the same one
 * ran in one boot, so `bench compare` can tell runs from boots. */
static json_t *boot_id(void)
{
	char *text = sys_read_file("/proc/sys/kernel/random/boot_id", NULL);
	json_t *v = text ? json_string(sys_trim(text)) : json_null();

	free(text);
	return v;
}

static json_t *system_info(void)
{
	struct utsname u;
	char host[256] = "";
	json_t *m = json_object();

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	json_object_set_new(m, "host", json_string(host));
	json_object_set_new(m, "kernel", json_string(u.release));
	json_object_set_new(m, "kernel_version", json_string(u.version));
	json_object_set_new(m, "machine", json_string(u.machine));
	json_object_set_new(m, "cpu_model", cpu_model());
	json_object_set_new(m, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(m, "boot_id", boot_id());
	return m;
}

/* The options a --resume must reuse to finish the same plan. */
static json_t *plan_options(const struct run_opts *o, const struct suite *s,
			    const struct model_list *models)
{
	char *joined = models_join(models, " ");
	json_t *p = json_object();

	json_object_set_new(p, "suite", json_string(o->suite));
	json_object_set_new(p, "models", json_string(joined));
	json_object_set_new(p, "reps", json_integer(s->reps));
	json_object_set_new(p, "duration_s", json_real(s->duration_s));
	json_object_set_new(p, "warmup_s", json_real(s->warmup_s));
	json_object_set_new(p, "work_us", json_integer(o->work_us));
	json_object_set_new(p, "server_cpus", json_string(o->server_cpus));
	json_object_set_new(p, "client_cpus", json_string(o->client_cpus));
	json_object_set_new(p, "target_ci",
			    json_real(o->target_ci > 0 ? o->target_ci : s->target_ci));
	json_object_set_new(p, "max_reps",
			    json_integer(o->max_reps > 0   ? o->max_reps
					 : s->max_reps > 0 ? s->max_reps
							   : 10));
	free(joined);
	return p;
}

static void save(const char *dir, json_t *m)
{
	char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *path = sys_fmt("%s/meta.json", dir);
	char *with_newline = sys_fmt("%s\n", text);

	if (results_write_atomic(path, with_newline, strlen(with_newline)) < 0)
		die("cannot write %s", path);
	free(with_newline);
	free(path);
	free(text);
}

/* The doctor's findings for the CPUs this run is pinned to (run/doctor.h):
 * how fit the machine was to measure on when the run began. */
static json_t *doctor_of(const struct run_opts *o)
{
	struct doctor_opts d = {
	    .root = "", .cpus = {o->server_cpus, o->client_cpus}, .run_commands = true};
	struct doctor_report r;
	json_t *j;

	doctor_run(&r, &d);
	j = doctor_json(&r);
	doctor_free(&r);
	return j;
}

void meta_write(const char *dir, const struct run_opts *o, const struct suite *s,
		const struct model_list *models)
{
	char date[64], *server = sys_fmt("%s/server-%s", o->build_dir, models->names[0]);
	char *hf_argv[] = {"hyperfine", "--version", NULL};
	char *gp_argv[] = {"gnuplot", "--version", NULL};
	json_t *m = system_info(), *cmd = json_array();
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	json_object_set_new(m, "date", json_string(date));
	build_info(m, server);
	json_object_set_new(m, "libraries", library_versions());
	set_command(m, "hyperfine", hf_argv);
	set_command(m, "gnuplot", gp_argv);
	json_object_set_new(m, "git_commit", git_commit(o->top));
	json_object_set_new(m, "suite", json_string(s->name));
	json_object_set_new(m, "spectrum", json_string(s->spectrum));
	json_object_set_new(m, "server_cpus", json_string(o->server_cpus));
	json_object_set_new(m, "client_cpus", json_string(o->client_cpus));
	for (int i = 0; i < o->argc; i++)
		json_array_append_new(cmd, json_string(o->argv[i]));
	json_object_set_new(m, "command_line", cmd);
	json_object_set_new(m, "options", plan_options(o, s, models));
	json_object_set_new(m, "builds", builds_info(o, models));
	json_object_set_new(m, "doctor", doctor_of(o));
	json_object_set_new(m, "finished", json_false());
	save(dir, m);
	json_decref(m);
	free(server);
}

static void set_value(const char *dir, const char *key, json_t *v)
{
	json_t *m = meta_load(dir);

	if (m) {
		json_object_set_new(m, key, v);
		save(dir, m);
		json_decref(m);
	} else {
		json_decref(v);
	}
}

void meta_set_json(const char *dir, const char *key, json_t *v)
{
	set_value(dir, key, v);
}

void meta_set(const char *dir, const char *key, const char *value)
{
	set_value(dir, key, json_string(value));
}

void meta_set_int(const char *dir, const char *key, long long value)
{
	set_value(dir, key, json_integer(value));
}

void meta_finish(const char *dir, double wall_s)
{
	json_t *m = meta_load(dir);

	if (!m)
		return;
	json_object_set_new(m, "finished", json_true());
	json_object_set_new(m, "wall_s", json_real(wall_s));
	save(dir, m);
	json_decref(m);
}

int meta_resume_options(const char *dir, struct run_opts *o)
{
	json_t *m = meta_load(dir), *p = json_object_get(m, "options");

	if (!json_is_object(p)) {
		json_decref(m);
		return -1;
	}
	/* The strings must outlive m: they are kept for the whole run. */
	if (!o->explicit_suite)
		o->suite = sys_strdup(json_string_value(json_object_get(p, "suite")));
	if (!o->explicit_models)
		o->models = sys_strdup(json_string_value(json_object_get(p, "models")));
	if (!o->explicit_reps)
		o->reps = json_integer_value(json_object_get(p, "reps"));
	if (!o->explicit_duration)
		o->duration_s = json_number_value(json_object_get(p, "duration_s"));
	if (o->work_us < 0)
		o->work_us = json_integer_value(json_object_get(p, "work_us"));
	/* Several builds: the same ones again, unless --build was given. */
	if (o->n_builds == 1 && !o->builds[0].label[0] &&
	    json_array_size(json_object_get(m, "builds")) > 1) {
		json_t *list = json_object_get(m, "builds");

		o->n_builds = 0;
		for (size_t i = 0; i < json_array_size(list) && i < RUN_MAX_BUILDS; i++) {
			json_t *e = json_array_get(list, i);
			struct run_build *b = &o->builds[o->n_builds++];

			b->dir = sys_strdup(json_string_value(json_object_get(e, "path")));
			sys_copy(b->label, sizeof(b->label),
				 json_string_value(json_object_get(e, "label")));
		}
		o->build_dir = o->builds[0].dir;
	}
	if (o->target_ci <= 0)
		o->target_ci = json_number_value(json_object_get(p, "target_ci"));
	if (o->max_reps <= 0)
		o->max_reps = (int)json_integer_value(json_object_get(p, "max_reps"));
	/* Count system calls the way the interrupted run did (or not). */
	if (!o->explicit_syscalls && json_is_string(json_object_get(m, "syscalls_counter")))
		o->syscalls = sys_strdup(json_string_value(json_object_get(m, "syscalls_counter")));
	json_decref(m);
	return 0;
}
