/*
 * suite.c - parses suites/<name>.conf.
 *
 * The format is line based so that a diff of two suites reads well:
 *
 *     # comment
 *     reps = 3
 *     scenario http-c100 proto=http connections=100
 *     batch lines-100x10 proto=lines clients=100 messages=10 think_ms=100
 *
 * Each key is described once in a table (name, type, where it goes), so the
 * parser has no per-key code and adding a knob is adding one table row.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/suite.h"
#include "data/sys.h"

enum key_type { K_INT, K_LONG, K_DOUBLE, K_BOOL, K_STR };

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size; /* K_STR only */
};

/* The tables read best as written, several keys a line. */
/* clang-format off */
#define SC(f, t) { #f, t, offsetof(struct scenario, f), sizeof(((struct scenario *)0)->f) }
static const struct key scenario_keys[] = {
	SC(proto, K_STR), SC(series, K_STR), SC(connections, K_INT),
	SC(pipeline, K_INT), SC(rate, K_LONG), SC(delay_us, K_LONG),
	SC(work_us, K_LONG), SC(size, K_INT), SC(keepalive, K_BOOL),
	SC(workers, K_INT), SC(threads, K_INT), SC(duration_s, K_DOUBLE),
	SC(warmup_s, K_DOUBLE), SC(idle, K_INT), SC(delay_blocking, K_BOOL),
	SC(server_cpus, K_STR), SC(client_cpus, K_STR), SC(x, K_STR), SC(skip, K_STR),
	SC(sweep, K_INT), SC(timeout_ms, K_INT),
	SC(subscribe, K_STR), SC(subscribers, K_INT), SC(publish_hz, K_DOUBLE),
	{ NULL, 0, 0, 0 }
};

#define BA(f, t) { #f, t, offsetof(struct batch, f), sizeof(((struct batch *)0)->f) }
static const struct key batch_keys[] = {
	BA(clients, K_INT), BA(messages, K_INT), BA(think_ms, K_INT),
	BA(size, K_INT), BA(runs, K_INT), BA(bound_s, K_DOUBLE),
	BA(proto, K_STR), BA(idle_timeout, K_INT), { NULL, 0, 0, 0 }
};

#define SU(f, t) { #f, t, offsetof(struct suite, f), sizeof(((struct suite *)0)->f) }
static const struct key suite_keys[] = {
	SU(reps, K_INT), SU(duration_s, K_DOUBLE), SU(warmup_s, K_DOUBLE),
	SU(timeout_ms, K_INT), SU(spectrum, K_STR), SU(syscalls_s, K_DOUBLE),
	SU(target_ci, K_DOUBLE), SU(max_reps, K_INT),
	{ NULL, 0, 0, 0 }
};
/* clang-format on */

/* Stores text as the typed field k of obj.  Returns 0 or -1 (bad value). */
static int set_key(void *obj, const struct key *k, const char *text)
{
	char *end = NULL, *field = (char *)obj + k->offset;

	errno = 0;
	switch (k->type) {
	case K_INT:
		*(int *)field = (int)strtol(text, &end, 10);
		break;
	case K_LONG:
		*(long *)field = strtol(text, &end, 10);
		break;
	case K_DOUBLE:
		*(double *)field = strtod(text, &end);
		break;
	case K_BOOL:
		if (strcmp(text, "yes") && strcmp(text, "no"))
			return -1;
		*(int *)field = strcmp(text, "yes") == 0;
		return 0;
	case K_STR:
		if (strlen(text) >= k->size)
			return -1;
		strcpy(field, text);
		return 0;
	}
	return errno || end == text || *end ? -1 : 0;
}

/* Applies "key=value" to obj using table keys. */
static int apply(void *obj, const struct key *keys, const char *name, const char *value, char *err,
		 size_t errlen)
{
	for (const struct key *k = keys; k->name; k++) {
		if (strcmp(k->name, name))
			continue;
		if (set_key(obj, k, value) == 0)
			return 0;
		snprintf(err, errlen, "bad value '%s' for %s", value, name);
		return -1;
	}
	snprintf(err, errlen, "unknown key '%s'", name);
	return -1;
}

static void scenario_defaults(struct scenario *sc, const char *name)
{
	memset(sc, 0, sizeof(*sc));
	sys_copy(sc->name, sizeof(sc->name), name);
	strcpy(sc->proto, "http");
	sc->connections = 10;
	sc->pipeline = 1;
	sc->size = 64;
	sc->keepalive = 1;
}

static void batch_defaults(struct batch *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	sys_copy(b->name, sizeof(b->name), name);
	strcpy(b->proto, "echo");
	b->clients = 100;
	b->messages = 10;
	b->think_ms = 100;
	b->size = 64;
	b->runs = 3;
	b->bound_s = 5;
}

/* Applies every "key=value" word after the name to obj. */
static int apply_words(void *obj, const struct key *keys, char *rest, char *err, size_t errlen)
{
	char *save = NULL, *word, *eq;

	for (word = strtok_r(rest, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		eq = strchr(word, '=');
		if (!eq) {
			snprintf(err, errlen, "expected key=value, got '%s'", word);
			return -1;
		}
		*eq = '\0';
		if (apply(obj, keys, word, eq + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The runs.csv columns a series may be plotted against. */
static bool is_x_column(const char *x)
{
	const char *ok[] = {"connections", "idle", "work_us", "delay_us", "pipeline", "size"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(x, ok[i]) == 0)
			return true;
	return false;
}

/* A push scenario: loadgen --subscribe STYLE N against the server's
 * --publish-hz events.  subscribers= is the count (connections= is the
 * same thing, so plots against connections work unchanged); its series
 * defaults to push-STYLE. */
static int check_push(struct scenario *sc, char *err, size_t errlen)
{
	if (strcmp(sc->subscribe, "poll") && strcmp(sc->subscribe, "sse") &&
	    strcmp(sc->subscribe, "ws")) {
		snprintf(err, errlen, "subscribe must be poll, sse or ws");
		return -1;
	}
	if (strcmp(sc->proto, "http") || sc->rate > 0 || sc->sweep > 0 || sc->pipeline > 1 ||
	    sc->idle > 0 || !sc->keepalive || sc->publish_hz < 0) {
		snprintf(err, errlen,
			 "subscribe is HTTP, without rate, sweep, pipeline, idle or "
			 "keepalive=no, and publish_hz >= 0");
		return -1;
	}
	if (sc->subscribers > 0)
		sc->connections = sc->subscribers;
	sc->subscribers = sc->connections;
	if (sc->publish_hz == 0)
		sc->publish_hz = 10;
	if (!sc->series[0])
		snprintf(sc->series, sizeof(sc->series), "push-%s", sc->subscribe);
	return 0;
}

static int check_scenario(struct scenario *sc, char *err, size_t errlen)
{
	if (sc->subscribe[0] && check_push(sc, err, errlen) < 0)
		return -1;
	if (strcmp(sc->proto, "http") && strcmp(sc->proto, "echo"))
		snprintf(err, errlen, "proto must be http or echo");
	else if (sc->connections < 1 || sc->pipeline < 1 || sc->size < 1 || sc->idle < 0)
		snprintf(err, errlen, "connections, pipeline and size must be >= 1, idle >= 0");
	else if (sc->sweep < 0 || sc->sweep > 99 || (sc->sweep > 0 && sc->rate > 0))
		snprintf(err, errlen, "sweep must be 0 to 99 steps, without a rate of its own");
	else if (sc->x[0] && !is_x_column(sc->x))
		snprintf(err, errlen,
			 "x must be connections, idle, work_us, delay_us, "
			 "pipeline or size");
	else if ((sc->server_cpus[0] && sys_cpu_count(sc->server_cpus) < 0) ||
		 (sc->client_cpus[0] && sys_cpu_count(sc->client_cpus) < 0))
		snprintf(err, errlen, "bad CPU list (want e.g. 0, 1-3 or 0,2)");
	else {
		if (!sc->series[0])
			strcpy(sc->series, sc->proto);
		if (!sc->x[0])
			strcpy(sc->x, "connections");
		return 0;
	}
	return -1;
}

static int check_batch(const struct batch *b, char *err, size_t errlen)
{
	if (strcmp(b->proto, "echo") && strcmp(b->proto, "lines"))
		snprintf(err, errlen, "a batch's proto must be echo or lines");
	else if (b->idle_timeout < 0)
		snprintf(err, errlen, "idle_timeout must be >= 0 (0: the server's default)");
	else
		return 0;
	return -1;
}

/* "scenario NAME k=v ..." and "batch NAME k=v ...". */
static int parse_entry(struct suite *s, const char *kind, char *rest, char *err, size_t errlen)
{
	char *name = strtok_r(rest, " \t", &rest);

	if (!name || strlen(name) >= SUITE_NAME_MAX || strchr(name, '/')) {
		snprintf(err, errlen, "%s needs a short name", kind);
		return -1;
	}
	if (strcmp(kind, "batch") == 0) {
		struct batch *b;

		s->batches = sys_grow(s->batches, (s->n_batches + 1) * sizeof(*b));
		b = &s->batches[s->n_batches++];
		batch_defaults(b, name);
		if (apply_words(b, batch_keys, rest, err, errlen) < 0)
			return -1;
		return check_batch(b, err, errlen);
	}
	struct scenario *sc;

	if (suite_find(s, name)) {
		snprintf(err, errlen, "scenario '%s' defined twice", name);
		return -1;
	}
	s->scenarios = sys_grow(s->scenarios, (s->n_scenarios + 1) * sizeof(*sc));
	sc = &s->scenarios[s->n_scenarios++];
	scenario_defaults(sc, name);
	if (apply_words(sc, scenario_keys, rest, err, errlen) < 0)
		return -1;
	return check_scenario(sc, err, errlen);
}

/* True if the line's first word is exactly kind. */
static int starts_with_word(const char *line, const char *kind)
{
	size_t n = strlen(kind);

	return strncmp(line, kind, n) == 0 && (line[n] == ' ' || line[n] == '\t');
}

static int load_at_depth(const char *path, struct suite *s, int depth, char *err, size_t errlen);

/* "include NAME": the scenarios and batches of NAME.conf (next to this
 * file) join this suite, tagged with NAME as their experiment.  NAME's
 * duration and warm-up go with its scenarios; its reps do not (the
 * including suite's count). */
static int include_suite(struct suite *s, const char *dir, char *name, int depth, char *err,
			 size_t errlen)
{
	struct suite sub;
	char *path = sys_fmt("%s/%s.conf", dir, sys_trim(name));
	int rc = load_at_depth(path, &sub, depth + 1, err, errlen);

	free(path);
	if (rc < 0)
		return -1;
	for (int i = 0; i < sub.n_scenarios && rc == 0; i++) {
		struct scenario *sc = &sub.scenarios[i];

		if (suite_find(s, sc->name)) {
			snprintf(err, errlen, "scenario '%s' defined twice", sc->name);
			rc = -1;
			break;
		}
		if (sc->duration_s <= 0)
			sc->duration_s = sub.duration_s;
		if (sc->warmup_s <= 0)
			sc->warmup_s = sub.warmup_s;
		s->scenarios = sys_grow(s->scenarios, (s->n_scenarios + 1) * sizeof(*sc));
		s->scenarios[s->n_scenarios++] = *sc;
	}
	for (int i = 0; i < sub.n_batches && rc == 0; i++) {
		s->batches = sys_grow(s->batches, (s->n_batches + 1) * sizeof(*s->batches));
		s->batches[s->n_batches++] = sub.batches[i];
	}
	suite_free(&sub);
	return rc;
}

/* One line without its comment: a setting or an entry. */
static int parse_line(struct suite *s, const char *dir, int depth, char *line, char *err,
		      size_t errlen)
{
	char *eq;

	line = sys_trim(line);
	if (!*line)
		return 0;
	if (starts_with_word(line, "include"))
		return include_suite(s, dir, line + 7, depth, err, errlen);
	if (starts_with_word(line, "scenario"))
		return parse_entry(s, "scenario", line + 8, err, errlen);
	if (starts_with_word(line, "batch"))
		return parse_entry(s, "batch", line + 5, err, errlen);
	eq = strchr(line, '=');
	if (!eq) {
		snprintf(err, errlen, "expected 'key = value', 'scenario', 'batch' or 'include'");
		return -1;
	}
	*eq = '\0';
	return apply(s, suite_keys, sys_trim(line), sys_trim(eq + 1), err, errlen);
}

static void suite_name_from_path(struct suite *s, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= sizeof(s->name))
		n = sizeof(s->name) - 1;
	memcpy(s->name, base, n);
	s->name[n] = '\0';
}

/* Is name a rate sweep's probe ("<scenario>-probe" of a sweep=N
 * scenario), which bench run makes as it goes? */
static bool names_probe(const struct suite *s, const char *name)
{
	for (int i = 0; i < s->n_scenarios; i++) {
		size_t n = strlen(s->scenarios[i].name);

		if (s->scenarios[i].sweep > 0 && strncmp(name, s->scenarios[i].name, n) == 0 &&
		    strcmp(name + n, "-probe") == 0)
			return true;
	}
	return false;
}

int suite_load(const char *path, struct suite *s, char *err, size_t errlen)
{
	return load_at_depth(path, s, 0, err, errlen);
}

/* depth counts includes, so a suite including itself is an error. */
static int load_at_depth(const char *path, struct suite *s, int depth, char *err, size_t errlen)
{
	char *text = sys_read_file(path, NULL), *line, *save = NULL, *dir;
	char msg[400];
	int lineno = 0, rc = 0;

	memset(s, 0, sizeof(*s));
	if (depth > 4) {
		snprintf(err, errlen, "%s: includes nested too deep (a loop?)", path);
		free(text);
		return -1;
	}
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	suite_name_from_path(s, path);
	s->reps = 3;
	s->duration_s = 2;
	s->warmup_s = 0.5;
	s->timeout_ms = 2000;
	s->syscalls_s = 0.5;
	s->max_reps = 10;
	dir = sys_strdup(path);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		strcpy(dir, ".");
	/* strsep keeps empty lines, so line numbers in messages stay right. */
	for (save = text; rc == 0 && (line = strsep(&save, "\n"));) {
		lineno++;
		line[strcspn(line, "#")] = '\0';
		rc = parse_line(s, dir, depth, line, msg, sizeof(msg));
	}
	free(dir);
	for (int i = 0; rc == 0 && i < s->n_scenarios; i++)
		if (!s->scenarios[i].experiment[0])
			sys_copy(s->scenarios[i].experiment, SUITE_NAME_MAX, s->name);
	if (rc < 0)
		snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
	else if (s->n_scenarios == 0 && s->n_batches == 0)
		rc = -1, snprintf(err, errlen, "%s: no scenario or batch", path);
	else if (s->spectrum[0] && !suite_find(s, s->spectrum) && !names_probe(s, s->spectrum))
		rc = -1, snprintf(err, errlen, "%s: spectrum names no scenario", path);
	if (rc == 0 && !s->spectrum[0] && s->n_scenarios)
		strcpy(s->spectrum, s->scenarios[0].name);
	free(text);
	return rc;
}

int suite_skips(const struct scenario *sc, const char *model)
{
	size_t n = strlen(model);

	for (const char *p = sc->skip; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, model, n) == 0)
			return 1;
		p += len;
		p += *p == ',';
	}
	return 0;
}

const struct scenario *suite_find(const struct suite *s, const char *name)
{
	for (int i = 0; i < s->n_scenarios; i++)
		if (strcmp(s->scenarios[i].name, name) == 0)
			return &s->scenarios[i];
	return NULL;
}

void suite_free(struct suite *s)
{
	free(s->scenarios);
	free(s->batches);
	memset(s, 0, sizeof(*s));
}
