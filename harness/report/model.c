/*
 * model.c - loads a results folder once and builds the report model
 * (model.h): the only place of the report that opens input files or
 * computes a figure.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/meta.h"
#include "data/sys.h"
#include "report/caption.h"
#include "report/model.h"

/* One section per experiment, in the order runs.csv first shows them. */
static void build_sections(struct report_model *m)
{
	const struct agg *a = &m->agg;

	m->sections = sys_alloc((a->n_scenarios + 1) * sizeof(*m->sections));
	for (int i = 0; i < a->n_scenarios; i++) {
		const char *e = a->scenarios[i].first.experiment;
		struct model_section *s;
		bool seen = false;

		for (int k = 0; k < m->n_sections; k++)
			seen |= strcmp(m->sections[k].experiment, e) == 0;
		if (seen)
			continue;
		s = &m->sections[m->n_sections++];
		s->experiment = e;
		s->title = caption_title(e);
		caption_experiment(a, e, s->caption, sizeof(s->caption));
	}
	caption_syscalls(a, m->syscalls_caption, sizeof(m->syscalls_caption));
}

static void load_batches(struct report_model *m)
{
	char **files = hyperfine_list_files(m->dir);
	int n = 0;

	while (files[n])
		n++;
	m->batches = sys_alloc((n + 1) * sizeof(*m->batches));
	for (int i = 0; i < n; i++) {
		struct model_batch *b = &m->batches[i];
		char *path = sys_fmt("%s/%s", m->dir, files[i]);

		b->file = files[i];
		b->n = hyperfine_load(path, &b->r);
		hyperfine_load_batch(path, &b->params);
		b->note = sys_alloc((b->n > 0 ? b->n : 1) * sizeof(*b->note));
		for (int k = 0; k < b->n; k++)
			hyperfine_describe(&b->r[k], b->note[k], sizeof(b->note[k]));
		free(path);
	}
	m->n_batches = n;
	free(files);
	caption_batches(m->batches, m->n_batches, m->batch_caption, sizeof(m->batch_caption));
}

/* The doctor's verdict and its state warnings ("load-average 3.10 over the
 * last minute on 2 CPUs; ..."), for the top of the report. */
static void load_doctor(struct report_model *m, json_t *doctor)
{
	json_t *q = json_object_get(doctor, "quiet"), *f;
	size_t i, len = 0;

	m->doctor_quiet = json_is_boolean(q) ? json_is_true(q) : -1;
	m->doctor_warnings[0] = '\0';
	json_array_foreach(json_object_get(doctor, "findings"), i, f)
	{
		const char *group = json_string_value(json_object_get(f, "group"));
		const char *status = json_string_value(json_object_get(f, "status"));
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *value = json_string_value(json_object_get(f, "value"));

		if (!group || !status || !name || !value || strcmp(group, "state") ||
		    strcmp(status, "warning") || len + 1 >= sizeof(m->doctor_warnings))
			continue;
		len += snprintf(m->doctor_warnings + len, sizeof(m->doctor_warnings) - len,
				"%s%s: %s", len ? "; " : "", name, value);
	}
}

/* The machine in one line, from meta.json: "AMD EPYC, 2 cores, x86_64,
 * Linux 6.18.44" (what is not recorded is left out). */
static void load_machine(struct report_model *m, json_t *meta)
{
	const char *cpu = json_string_value(json_object_get(meta, "cpu_model"));
	const char *arch = json_string_value(json_object_get(meta, "machine"));
	const char *kernel = json_string_value(json_object_get(meta, "kernel"));
	json_t *cores = json_object_get(meta, "cores");
	char *t = m->headline.machine;
	size_t size = sizeof(m->headline.machine), len = 0;

	t[0] = '\0';
	if (cpu && len < size)
		len += snprintf(t + len, size - len, "%s", cpu);
	if (json_is_integer(cores) && len < size)
		len += snprintf(t + len, size - len, "%s%lld core%s", len ? ", " : "",
				(long long)json_integer_value(cores),
				json_integer_value(cores) == 1 ? "" : "s");
	if (arch && len < size)
		len += snprintf(t + len, size - len, "%s%s", len ? ", " : "", arch);
	if (kernel && len < size)
		snprintf(t + len, size - len, "%sLinux %s", len ? ", " : "", kernel);
}

/* What was run, in one line: "suite quick: 4 scenarios x 13 models, 3
 * repetitions each, 2026-12-02T06:16:02+0000" (from meta.json and the
 * runs; what is not recorded is left out). */
static void load_run_text(struct report_model *m, json_t *meta)
{
	const char *suite = json_string_value(json_object_get(meta, "suite"));
	const char *date = json_string_value(json_object_get(meta, "date"));
	json_t *reps = json_object_get(json_object_get(meta, "options"), "reps");
	char *t = m->headline.run;
	size_t size = sizeof(m->headline.run), len = 0;

	int plain = 0, sweeps = 0, steps = 0;

	/* A rate sweep's steps are scenarios of one run each, not repeated. */
	for (int i = 0; i < m->agg.n_scenarios; i++) {
		if (!agg_is_sweep(&m->agg, i))
			plain++;
		else if (agg_is_sweep_probe(&m->agg, i))
			sweeps++;
		else
			steps++;
	}
	t[0] = '\0';
	if (suite)
		len += snprintf(t, size, "suite %.64s: ", suite);
	if (plain)
		len += snprintf(t + len, size - len, "%d scenarios x %d models", plain,
				m->agg.n_models);
	if (plain && json_is_integer(reps) && len < size)
		len += snprintf(t + len, size - len, ", %lld repetition%s each",
				(long long)json_integer_value(reps),
				json_integer_value(reps) == 1 ? "" : "s");
	if (sweeps && len < size)
		len +=
		    snprintf(t + len, size - len,
			     "%s%d rate sweep%s x %d models, a probe and %d open-loop steps, one "
			     "run each",
			     plain ? "; " : "", sweeps, sweeps == 1 ? "" : "s", m->agg.n_models,
			     steps / sweeps);
	if (m->n_batches && len < size)
		len += snprintf(t + len, size - len, "%s%d batch%s timed by hyperfine",
				plain || sweeps ? "; " : "", m->n_batches,
				m->n_batches == 1 ? "" : "es");
	if (date && len < size)
		snprintf(t + len, size - len, ", %s", date);
}

/* "CPU 0", "CPUs 0-1" */
static const char *cpus_text(const char *cpus, char *buf, size_t size)
{
	snprintf(buf, size, "CPU%s %s", strpbrk(cpus, ",-") ? "s" : "", cpus);
	return buf;
}

/* Appends the core split most scenarios ran with to the machine line:
 * "; server on CPU 0, load generator on CPU 1 (3 of 4 scenarios)". */
static void add_core_split(struct report_model *m)
{
	const struct agg *a = &m->agg;
	char *t = m->headline.machine, s[48], c[48];
	size_t len = strlen(t), size = sizeof(m->headline.machine);
	int best = -1, best_n = 0;

	for (int i = 0; i < a->n_scenarios; i++) {
		const struct run_row *r = &a->scenarios[i].first;
		int n = 0;

		for (int k = 0; k < a->n_scenarios; k++)
			n += strcmp(a->scenarios[k].first.server_cpus, r->server_cpus) == 0 &&
			     strcmp(a->scenarios[k].first.client_cpus, r->client_cpus) == 0;
		if (r->server_cpus[0] && r->client_cpus[0] && n > best_n)
			best = i, best_n = n;
	}
	if (best < 0 || len >= size)
		return;
	len +=
	    snprintf(t + len, size - len, "%sserver on %s, load generator on %s", len ? "; " : "",
		     cpus_text(a->scenarios[best].first.server_cpus, s, sizeof(s)),
		     cpus_text(a->scenarios[best].first.client_cpus, c, sizeof(c)));
	if (best_n < a->n_scenarios && len < size)
		snprintf(t + len, size - len, " (%d of %d scenarios)", best_n, a->n_scenarios);
}

/* Appends which io_uring mode the io-uring model's runs used (it falls
 * back to single-shot operations on kernels without multishot), so that a
 * kernel upgrade that changes it is seen: "; io-uring ran multishot". */
static void add_io_uring_mode(struct report_model *m)
{
	char *t = m->headline.machine, modes[96] = "";
	size_t len = strlen(t), size = sizeof(m->headline.machine);

	for (int k = 0; k < m->runs.n; k++) {
		const char *mode = m->runs.rows[k].io_uring_mode;

		if (mode[0] && !strstr(modes, mode))
			snprintf(modes + strlen(modes), sizeof(modes) - strlen(modes), "%s%s",
				 modes[0] ? " / " : "", mode);
	}
	if (modes[0] && len < size)
		snprintf(t + len, size - len, "%sio-uring ran %s", len ? "; " : "", modes);
}

/* meta.json, read once: the spectrum scenario and every key as text. */
static void load_meta(struct report_model *m)
{
	json_t *meta = meta_load(m->dir), *v;
	const char *key;
	int n = 0;

	v = json_object_get(meta, "spectrum");
	m->spectrum = json_is_string(v) ? sys_strdup(json_string_value(v)) : NULL;
	m->meta_key = sys_alloc((json_object_size(meta) + 1) * sizeof(char *));
	m->meta_value = sys_alloc((json_object_size(meta) + 1) * sizeof(char *));
	json_object_foreach(meta, key, v)
	{
		m->meta_key[n] = sys_strdup(key);
		m->meta_value[n++] = meta_value_text(v);
	}
	m->n_meta = n;
	load_machine(m, meta);
	load_run_text(m, meta);
	load_doctor(m, json_object_get(meta, "doctor"));
	json_decref(meta);
}

/* The spectrum of each model at its median repetition, from its loadgen
 * JSON (models without an ok run have none). */
static void load_spectrum(struct report_model *m)
{
	const struct agg *a = &m->agg;

	if (!m->spectrum && a->n_scenarios)
		m->spectrum = sys_strdup(a->scenarios[0].name);
	m->spectrum_i = m->spectrum ? agg_find_scenario(a, m->spectrum) : -1;
	m->curves = sys_alloc((a->n_models + 1) * sizeof(*m->curves));
	for (int j = 0; j < a->n_models; j++) {
		struct model_spectrum *c = &m->curves[j];
		const struct agg_cell *cell;
		char *json;

		memset(c, 0, sizeof(*c));
		if (m->spectrum_i < 0)
			continue;
		cell = agg_cell(a, m->spectrum_i, j);
		c->rep = cell->median_rep;
		if (!cell->ok)
			continue;
		json = sys_fmt("%s/hist/%s-%s-%d.json", m->dir, m->spectrum, a->models[j], c->rep);
		c->n = lgjson_spectrum(json, &c->p);
		free(json);
	}
}

/* Memory per idle connection (or per push subscriber) of each cell
 * against the lowest-x scenario of its series. */
static void build_idle_kib(struct report_model *m)
{
	const struct agg *a = &m->agg;
	int idx[a->n_scenarios + 1];

	m->idle_kib = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(double));
	m->push_kib = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(double));
	for (int i = 0; i < a->n_scenarios; i++) {
		int i0 = agg_series_members(a, a->scenarios[i].series, idx) ? idx[0] : i;
		bool push = agg_is_push(a, i);

		for (int j = 0; j < a->n_models; j++) {
			m->idle_kib[i * a->n_models + j] =
			    i == i0 || push ? NAN : agg_kib_per_idle(a, i, i0, j);
			m->push_kib[i * a->n_models + j] =
			    i == i0 || !push ? NAN : agg_kib_per_subscriber(a, i, i0, j);
		}
	}
}

/* The "disturbed: ..." part of a run's reason, without its label:
 * "foreign CPU 6% of CPU 0,1 (0.12 s of 1.01 s x 2)" or "steal 2.7% of
 * CPU 0,1" (run/runner.c writes them). */
static void disturbed_text(const char *reason, char *buf, size_t size)
{
	const char *p = strstr(reason, "disturbed: ");

	buf[0] = '\0';
	if (p)
		snprintf(buf, size, "%.*s", (int)strcspn(p + 11, ";"), p + 11);
}

/* Which cells rest on runs marked disturbed or client-bound: the count
 * per cell, a footnote per marked cell numbered within its scenario (the
 * disturbance of its worst run as the run recorded it: foreign CPU or
 * steal), and the totals (the measured repetitions only, never the system
 * call pass). */
static void build_marks(struct report_model *m)
{
	const struct agg *a = &m->agg;
	char(*worst)[96] = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(*worst));

	m->marks = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(*m->marks));
	for (int k = 0; k < a->n_scenarios * a->n_models; k++) {
		memset(&m->marks[k], 0, sizeof(m->marks[k]));
		m->marks[k].foreign_max = m->marks[k].client_max = NAN;
		worst[k][0] = '\0';
	}
	for (int r = 0; r < m->runs.n; r++) {
		const struct run_row *row = &m->runs.rows[r];
		int i = agg_find_scenario(a, row->scenario), j = agg_find_model(a, row->model);
		struct model_marks *mk;
		double f = row->m[MET_FOREIGN_CPU], c = row->m[MET_CLIENT_SHARE];

		if (i < 0 || j < 0 || row->rep < 1 || strcmp(row->status, "ok"))
			continue;
		mk = &m->marks[i * a->n_models + j];
		mk->runs++;
		m->measured_runs++;
		if (strstr(row->flags, "disturbed")) {
			mk->disturbed++;
			m->disturbed_runs++;
			if (!(f <= mk->foreign_max)) {
				mk->foreign_max = f;
				disturbed_text(row->reason, worst[i * a->n_models + j],
					       sizeof(worst[0]));
			}
		}
		if (strstr(row->flags, "client-bound")) {
			mk->client_bound++;
			m->client_bound_runs++;
			if (!(c <= mk->client_max))
				mk->client_max = c;
		}
		m->marked_runs += row->flags[0] != '\0';
	}
	for (int i = 0; i < a->n_scenarios; i++) {
		int next = 1;

		for (int j = 0; j < a->n_models; j++) {
			struct model_marks *mk = &m->marks[i * a->n_models + j];
			size_t len = 0;

			if (!mk->disturbed && !mk->client_bound)
				continue;
			mk->note_no = next++;
			if (mk->disturbed)
				len += snprintf(mk->note, sizeof(mk->note),
						"%d of %d runs disturbed: %s%s", mk->disturbed,
						mk->runs, worst[i * a->n_models + j],
						mk->disturbed > 1 ? " at worst" : "");
			if (mk->client_bound && len < sizeof(mk->note))
				snprintf(mk->note + len, sizeof(mk->note) - len,
					 "%s%d of %d runs client-bound: the load generator used up "
					 "to %.0f%% of its CPUs",
					 len ? "; " : "", mk->client_bound, mk->runs,
					 100 * mk->client_max);
		}
	}
	free(worst);
}

/* The files of run (scenario, model key, rep) that exist in the folder. */
static void find_files(const struct report_model *m, const char *scenario, const char *model,
		       int rep, struct model_files *out)
{
	static const struct {
		const char *fmt, *what, *kind;
	} kinds[MODEL_FILES_MAX] = {
	    {"hist/%s-%s-%d.hgrm", "latency histogram", "hgrm"},
	    {"hist/%s-%s-%d.json", "loadgen JSON", "json"},
	    {"logs/%s-%s-%d.loadgen.txt", "loadgen output", "loadgen"},
	    {"logs/%s-%s-%d.server.out", "server output", "server.out"},
	    {"logs/%s-%s-%d.server.err", "server errors", "server.err"},
	    {"logs/%s-%s-%d.syscalls.log", "system call count", "syscalls"},
	};

	out->rep = rep;
	out->n = 0;
	for (int k = 0; k < MODEL_FILES_MAX; k++) {
		char *rel = out->f[out->n].path, *path;
		size_t size = sizeof(out->f[0].path);

		if (snprintf(rel, size, kinds[k].fmt, scenario, model, rep) >= (int)size)
			continue;
		path = sys_fmt("%s/%s", m->dir, rel);
		if (access(path, R_OK) == 0) {
			out->f[out->n].what = kinds[k].what;
			out->f[out->n++].kind = kinds[k].kind;
		}
		free(path);
	}
}

/* The run a cell's figures come from: its median repetition, or its last
 * failed one when no repetition is ok (-1: none). */
static int cell_rep(const struct report_model *m, int i, int j)
{
	const struct agg *a = &m->agg;
	const struct agg_cell *c = agg_cell(a, i, j);
	char key[2 * SUITE_NAME_MAX + 2];
	int rep = -1;

	if (c->ok)
		return c->median_rep;
	for (int r = 0; r < m->runs.n; r++) {
		const struct run_row *row = &m->runs.rows[r];

		if (row->rep >= 1 && strcmp(row->scenario, a->scenarios[i].name) == 0 &&
		    strcmp(agg_model_key(row, key, sizeof(key)), a->models[j]) == 0)
			rep = (int)row->rep;
	}
	return rep;
}

/* The failed runs of the cell of scenario i and model j, by repetition
 * (runs.csv has them by repetition first). */
static void add_failed(struct report_model *m, int i, int j)
{
	const struct agg *a = &m->agg;
	char key[2 * SUITE_NAME_MAX + 2];

	for (int rep = 0, more = 1; more; rep++) {
		more = 0;
		for (int r = 0; r < m->runs.n; r++) {
			const struct run_row *row = &m->runs.rows[r];
			struct model_failed *f = &m->failed[m->n_failed];

			if (strcmp(row->scenario, a->scenarios[i].name) ||
			    strcmp(agg_model_key(row, key, sizeof(key)), a->models[j]))
				continue;
			more |= row->rep > rep;
			if (row->rep != rep || strcmp(row->status, "failed"))
				continue;
			f->row = row;
			find_files(m, row->scenario, key, rep, &f->files);
			m->n_failed++;
		}
	}
}

/* Which files each cell and each failed run rest on, for links. */
static void build_files(struct report_model *m)
{
	const struct agg *a = &m->agg;
	size_t cells = (size_t)(a->n_scenarios * a->n_models + 1);

	m->cell_files = sys_alloc(cells * sizeof(*m->cell_files));
	m->pass_files = sys_alloc(cells * sizeof(*m->pass_files));
	for (int i = 0; i < a->n_scenarios; i++)
		for (int j = 0; j < a->n_models; j++) {
			const char *sc = a->scenarios[i].name, *model = a->models[j];
			struct model_files *f = &m->cell_files[i * a->n_models + j];
			int rep = cell_rep(m, i, j);

			find_files(m, sc, model, 0, &m->pass_files[i * a->n_models + j]);
			if (rep >= 0)
				find_files(m, sc, model, rep, f);
			else
				f->rep = -1, f->n = 0;
		}
	m->failed = sys_alloc((size_t)(m->runs.n + 1) * sizeof(*m->failed));
	for (int i = 0; i < a->n_scenarios; i++)
		for (int j = 0; j < a->n_models; j++)
			add_failed(m, i, j);
}

const struct model_files *model_cell_files(const struct report_model *m, int i, int j)
{
	return &m->cell_files[i * m->agg.n_models + j];
}

const struct model_files *model_pass_files(const struct report_model *m, int i, int j)
{
	return &m->pass_files[i * m->agg.n_models + j];
}

const struct model_marks *model_marks_of(const struct report_model *m, int i, int j)
{
	return &m->marks[i * m->agg.n_models + j];
}

int model_build(struct report_model *m, const char *dir, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->dir = dir;
	m->base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	if (results_load_csv(dir, &m->runs, err, errlen) < 0)
		return -1;
	agg_build(&m->agg, &m->runs);
	load_batches(m); /* before load_meta: the headline's run line counts them */
	load_meta(m);
	load_spectrum(m);
	build_sections(m);
	build_idle_kib(m);
	build_marks(m);
	build_files(m);
	add_core_split(m);
	add_io_uring_mode(m);
	m->load_runs = m->agg.load_runs;
	m->load_busy = m->agg.load_busy;
	m->load_max = m->agg.load_max;
	m->load_mean = m->load_runs ? m->agg.load_sum / m->load_runs : NAN;
	m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* last: the headline reads the captions' figures and the marks */
	caption_headline(m, &m->headline);
	return 0;
}

struct model_figure model_figure(const struct agg_stat *s, double scale, const char *fmt)
{
	struct model_figure f = {.n = s->n};

	if (s->n == 0)
		return f;
	snprintf(f.median, sizeof(f.median), fmt, s->median * scale);
	snprintf(f.min, sizeof(f.min), fmt, s->min * scale);
	snprintf(f.max, sizeof(f.max), fmt, s->max * scale);
	return f;
}

void model_free(struct report_model *m)
{
	for (int i = 0; i < m->n_batches; i++) {
		free(m->batches[i].file);
		free(m->batches[i].r);
		free(m->batches[i].note);
	}
	for (int j = 0; j < m->agg.n_models && m->curves; j++)
		free(m->curves[j].p);
	for (int k = 0; k < m->n_meta; k++) {
		free(m->meta_key[k]);
		free(m->meta_value[k]);
	}
	free(m->meta_key);
	free(m->meta_value);
	free(m->batches);
	free(m->curves);
	free(m->sections);
	free(m->idle_kib);
	free(m->push_kib);
	free(m->marks);
	free(m->cell_files);
	free(m->pass_files);
	free(m->failed);
	free(m->spectrum);
	agg_free(&m->agg);
	results_free(&m->runs);
	memset(m, 0, sizeof(*m));
}
