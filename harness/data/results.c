/*
 * results.c - the results folder, atomic writes and runs.csv.
 *
 * runs.csv is described by one table of columns (name, where the value
 * lives, how to print it), whose measured columns come from the metric
 * table (data/metrics.h).  Writing and reading both walk it, so the header
 * and the rows cannot drift apart; a new metric becomes a new last column.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "data/csv.h"
#include "data/results.h"
#include "data/sys.h"

struct column {
	const char *name;
	size_t offset;
	size_t size;	    /* text columns: buffer size; numbers: 0 */
	const char *format; /* numbers: printf format */
	int describes;	    /* 1: says what was run, kept when a run fails */
};

/* runs.csv's columns in file order: what was run, interleaved with the
 * metrics (data/metrics.h) as they were appended over time.  A metric not
 * named here (a new row of the metric table) is appended after these. */
/* clang-format off */
#define TXT(f) { #f, offsetof(struct run_row, f), sizeof(((struct run_row *)0)->f), NULL, 1 }
#define SCN(f, fmt) { #f, offsetof(struct run_row, f), 0, fmt, 1 }
#define MET(id) { NULL, offsetof(struct run_row, m) + MET_##id * sizeof(double), 0, NULL, 0 }
static const struct column layout[] = {
	TXT(suite), TXT(scenario), TXT(model), TXT(proto),
	SCN(connections, "%.0f"), SCN(pipeline, "%.0f"), SCN(rate, "%.0f"),
	SCN(delay_us, "%.0f"), SCN(work_us, "%.0f"), SCN(rep, "%.0f"),
	TXT(status), TXT(reason),
	MET(REQUESTS), MET(RPS), MET(P50), MET(P90), MET(P99), MET(P999), MET(MAX),
	MET(ERRORS), MET(CPU), MET(RSS), MET(CLIENT_CPU), MET(SYSCALLS),
	/* Appended columns. */
	MET(USER), MET(SYS), MET(SERVER_REQUESTS), MET(DURATION),
	MET(TIMEOUTS), MET(CONNECT_ERRORS),
	TXT(series),
	/* Appended for the experiments (issue 6): what was run... */
	TXT(experiment), TXT(x_key), SCN(idle, "%.0f"), SCN(keepalive, "%.0f"),
	SCN(size, "%.0f"), SCN(delay_blocking, "%.0f"), TXT(server_cpus),
	TXT(client_cpus), SCN(loadgen_threads, "%.0f"),
	/* ... and what it measured. */
	MET(IDLE_ESTABLISHED), MET(IDLE_ALIVE), MET(MBPS), MET(CONNECT_P50),
	MET(CONNECT_P99), MET(ADDRNOTAVAIL), MET(REFUSED),
	/* How busy the machine was (other jobs skew a shared machine). */
	SCN(host_load, "%.2f"),
	/* Issue 13: marks of runs that stay ok (disturbed, client-bound),
	 * which build (several per run), the io_uring mode; the metrics
	 * added with them follow. */
	TXT(flags), TXT(build), TXT(io_uring_mode),
	MET(FOREIGN_CPU), MET(STEAL), MET(CLIENT_SHARE), MET(VCSW), MET(IVCSW),
	MET(LISTEN_OVERFLOWS), MET(LISTEN_DROPS), MET(RETRANS), MET(CPU_SPEED),
	/* Issue 15: push subscribers (poll, sse, ws; empty for requests) and
	 * the server's publish rate; the push metrics follow. */
	TXT(subscribe), SCN(publish_hz, "%g"),
};
/* clang-format on */
#define N_LAYOUT ((int)(sizeof(layout) / sizeof(layout[0])))
#define N_COLUMNS (N_LAYOUT + METRICS) /* at most */

static struct column columns[N_COLUMNS];
static int n_columns;

/* The metric a column of the layout holds, or -1. */
static int metric_of_offset(size_t offset)
{
	size_t base = offsetof(struct run_row, m);

	if (offset < base || offset >= base + METRICS * sizeof(double))
		return -1;
	return (int)((offset - base) / sizeof(double));
}

/* Fills columns[]: the layout with each metric's name and format taken
 * from the metric table, then the metrics the layout does not name. */
static void init_columns(void)
{
	int named[METRICS] = {0};

	if (n_columns)
		return;
	for (int i = 0; i < N_LAYOUT; i++) {
		int id = metric_of_offset(layout[i].offset);

		columns[n_columns] = layout[i];
		if (id >= 0 && !layout[i].size) {
			columns[n_columns].name = metrics[id].column;
			columns[n_columns].format = metrics[id].format;
			named[id] = 1;
		}
		n_columns++;
	}
	for (int id = 0; id < METRICS; id++)
		if (!named[id])
			columns[n_columns++] = (struct column){
			    metrics[id].column, offsetof(struct run_row, m) + id * sizeof(double),
			    0, metrics[id].format, 0};
}

/* Host names go into a folder name: keep only the harmless characters. */
static void safe_name(char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    *s))
			*s = '_';
}

void results_prepare_dir(const char *dir)
{
	const char *subs[] = {"", "/hist", "/logs", "/plots"};

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *p = sys_fmt("%s%s", dir, subs[i]);

		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			die("cannot create %s: %s", p, strerror(errno));
		free(p);
	}
}

char *results_create_dir(const char *base)
{
	char date[16], host[64] = "host", *path = NULL;
	struct utsname u;
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	safe_name(host);
	safe_name(u.release);
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		die("cannot create %s: %s", base, strerror(errno));
	/* mkdir() is the atomic test: two harnesses never share a folder. */
	for (int n = 1; n < 1000; n++) {
		free(path);
		path = n == 1 ? sys_fmt("%s/%s-%s-%s", base, date, host, u.release)
			      : sys_fmt("%s/%s-%s-%s-%d", base, date, host, u.release, n);
		if (mkdir(path, 0755) == 0) {
			results_prepare_dir(path);
			return path;
		}
		if (errno != EEXIST)
			die("cannot create %s: %s", path, strerror(errno));
	}
	die("too many result folders for today in %s", base);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* The folder entry of the rename must reach the disk too. */
static void fsync_parent(const char *path)
{
	char *dir = sys_strdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int results_write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp, *slash = strrchr(path, '/');
	int fd, rc = -1, saved;

	/* ".tmp*" names are ignored by git (see .gitignore). */
	tmp = slash ? sys_fmt("%.*s/.tmp-%s.%d", (int)(slash - path), path, slash + 1, getpid())
		    : sys_fmt(".tmp-%s.%d", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out_free;
	if (write_all(fd, data, len) == 0 && fsync(fd) == 0)
		rc = 0;
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == 0)
		fsync_parent(path);
	else
		rc = -1;
	saved = errno;
	if (rc < 0)
		unlink(tmp);
	errno = saved;
out_free:
	free(tmp);
	return rc;
}

/* Sets every number column to NAN (empty). */
static void clear_numbers(struct run_row *row, int from)
{
	init_columns();
	for (int i = from; i < n_columns; i++)
		if (!columns[i].size)
			*(double *)((char *)row + columns[i].offset) = NAN;
}

void results_row_init(struct run_row *row, const char *suite, const struct scenario *sc,
		      const char *model, int rep)
{
	memset(row, 0, sizeof(*row));
	clear_numbers(row, 0);
	sys_copy(row->suite, sizeof(row->suite), suite);
	sys_copy(row->scenario, sizeof(row->scenario), sc->name);
	sys_copy(row->model, sizeof(row->model), model);
	sys_copy(row->proto, sizeof(row->proto), sc->proto);
	sys_copy(row->series, sizeof(row->series), sc->series);
	row->connections = sc->connections;
	row->pipeline = sc->pipeline;
	row->rate = sc->rate;
	row->delay_us = sc->delay_us;
	row->work_us = sc->work_us;
	row->rep = rep;
	sys_copy(row->experiment, sizeof(row->experiment), sc->experiment);
	sys_copy(row->x_key, sizeof(row->x_key), sc->x);
	row->idle = sc->idle;
	row->keepalive = sc->keepalive;
	row->size = sc->size;
	row->delay_blocking = sc->delay_blocking;
	sys_copy(row->subscribe, sizeof(row->subscribe), sc->subscribe);
	row->publish_hz = sc->subscribe[0] ? sc->publish_hz : NAN;
	strcpy(row->status, "ok");
}

void results_row_fail(struct run_row *row, const char *fmt, ...)
{
	va_list ap;

	init_columns();
	strcpy(row->status, "failed");
	va_start(ap, fmt);
	vsnprintf(row->reason, sizeof(row->reason), fmt, ap);
	va_end(ap);
	/* The measurements come after "reason"; what was run stays. */
	for (int i = 0, after = 0; i < n_columns; i++) {
		after |= strcmp(columns[i].name, "reason") == 0;
		if (after && !columns[i].describes)
			*(double *)((char *)row + columns[i].offset) = NAN;
	}
}

void results_add(struct run_table *t, const struct run_row *row)
{
	t->rows = sys_grow(t->rows, (t->n + 1) * sizeof(*row));
	t->rows[t->n++] = *row;
}

const struct run_row *results_find(const struct run_table *t, const char *scenario,
				   const char *model, int rep)
{
	for (int i = 0; i < t->n; i++)
		if (t->rows[i].rep == rep && !strcmp(t->rows[i].scenario, scenario) &&
		    !strcmp(t->rows[i].model, model))
			return &t->rows[i];
	return NULL;
}

int results_disturbed(const struct run_row *r)
{
	return strstr(r->flags, "disturbed") != NULL;
}

const struct run_row *results_find_build(const struct run_table *t, const char *build,
					 const char *scenario, const char *model, int rep,
					 int *tries)
{
	const struct run_row *clean = NULL, *any = NULL;
	int n = 0;

	for (int i = 0; i < t->n; i++) {
		const struct run_row *r = &t->rows[i];

		if (r->rep != rep || strcmp(r->scenario, scenario) || strcmp(r->model, model) ||
		    strcmp(r->build, build))
			continue;
		n++;
		any = r;
		if (!results_disturbed(r))
			clean = r;
	}
	if (tries)
		*tries = n;
	return clean ? clean : any;
}

static void put_row(FILE *out, const struct run_row *row)
{
	for (int i = 0; i < n_columns; i++) {
		const char *field = (const char *)row + columns[i].offset;
		double v = *(const double *)field;

		if (i)
			fputc(',', out);
		if (columns[i].size)
			csv_put(out, field);
		else if (!isnan(v))
			fprintf(out, columns[i].format, v);
	}
	fputc('\n', out);
}

int results_save_csv(const char *dir, const struct run_table *t)
{
	char *buf = NULL, *path;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc;

	if (!out)
		die("out of memory");
	init_columns();
	for (int i = 0; i < n_columns; i++)
		fprintf(out, "%s%s", i ? "," : "", columns[i].name);
	fputc('\n', out);
	for (int i = 0; i < t->n; i++)
		put_row(out, &t->rows[i]);
	fclose(out);
	path = sys_fmt("%s/runs.csv", dir);
	rc = results_write_atomic(path, buf, len);
	free(path);
	free(buf);
	return rc;
}

/* Stores one text cell into the row field of column c. */
static void set_cell(struct run_row *row, int c, const char *text)
{
	char *field = (char *)row + columns[c].offset;

	if (columns[c].size)
		sys_copy(field, columns[c].size, text);
	else
		*(double *)field = *text ? strtod(text, NULL) : NAN;
}

/* Maps each header cell to our column index, or -1 for unknown columns. */
static void map_header(char **cells, int n, int *map)
{
	for (int i = 0; i < n; i++) {
		map[i] = -1;
		for (int c = 0; c < n_columns; c++)
			if (strcmp(cells[i], columns[c].name) == 0)
				map[i] = c;
	}
}

#define MAX_CELLS 128

int results_load_csv(const char *dir, struct run_table *t, char *err, size_t errlen)
{
	char *path = sys_fmt("%s/runs.csv", dir), *text, *pos, *cells[MAX_CELLS];
	int map[MAX_CELLS], n, header_n;
	struct run_row row;

	memset(t, 0, sizeof(*t));
	init_columns();
	text = sys_read_file(path, NULL);
	free(path);
	if (!text)
		return errno == ENOENT
			   ? 0
			   : (snprintf(err, errlen, "runs.csv: %s", strerror(errno)), -1);
	pos = text;
	header_n = csv_next_record(&pos, cells, MAX_CELLS);
	if (header_n < 1 || strcmp(cells[0], "suite")) {
		snprintf(err, errlen, "%s/runs.csv: no header row", dir);
		free(text);
		return -1;
	}
	map_header(cells, header_n, map);
	while ((n = csv_next_record(&pos, cells, MAX_CELLS)) >= 0) {
		if (n == 1 && !cells[0][0])
			continue;
		memset(&row, 0, sizeof(row));
		clear_numbers(&row, 0);
		for (int i = 0; i < n && i < header_n; i++)
			if (map[i] >= 0)
				set_cell(&row, map[i], cells[i]);
		if (!row.series[0])
			sys_copy(row.series, sizeof(row.series), row.proto);
		if (!row.x_key[0])
			strcpy(row.x_key, "connections");
		results_add(t, &row);
	}
	free(text);
	return 0;
}

int results_get(const struct run_row *r, const char *column, double *v)
{
	init_columns();
	for (int c = 0; c < n_columns; c++) {
		if (strcmp(columns[c].name, column) || columns[c].size)
			continue;
		*v = *(const double *)((const char *)r + columns[c].offset);
		return 0;
	}
	return -1;
}

void results_free(struct run_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
