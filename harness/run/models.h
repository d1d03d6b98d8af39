/*
 * models.h - which models a run covers.
 *
 * The list of models is derived from servers/<model>.c, the same list the
 * Makefile builds and the tests check: adding a model is adding one file.
 */
#ifndef BENCH_RUN_MODELS_H
#define BENCH_RUN_MODELS_H

struct model_list {
	char **names;
	int n;
};

/* With wanted (e.g. "epoll libuv" or "epoll,libuv"): those models, each of
 * which must exist as build_dir/server-<model>.  Without: every servers/<model>.c
 * under top whose server is built, sorted; missing builds are reported and
 * skipped.  Dies if the list ends up empty. */
void models_resolve(struct model_list *l, const char *wanted, const char *top,
		    const char *build_dir);

/* Joins the names with sep into a string the caller frees. */
char *models_join(const struct model_list *l, const char *sep);

void models_free(struct model_list *l);

#endif
