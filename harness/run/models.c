/*
 * models.c - the model list, from --models or from servers/<model>.c.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/models.h"

static void add(struct model_list *l, const char *name)
{
	l->names = sys_grow(l->names, (l->n + 1) * sizeof(*l->names));
	l->names[l->n++] = sys_strdup(name);
}

static int built(const char *build_dir, const char *model)
{
	char *path = sys_fmt("%s/server-%s", build_dir, model);
	int ok = access(path, X_OK) == 0;

	free(path);
	return ok;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every servers/<model>.c whose server is built. */
static void from_sources(struct model_list *l, const char *top, const char *build_dir)
{
	char *dir = sys_fmt("%s/servers", top);
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die("cannot list %s", dir);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char name[256];

		if (n < 3 || strcmp(e->d_name + n - 2, ".c") || n - 2 >= sizeof(name))
			continue;
		memcpy(name, e->d_name, n - 2);
		name[n - 2] = '\0';
		if (built(build_dir, name))
			add(l, name);
		else
			sys_warn("skipping %s: %s/server-%s is not built", name, build_dir, name);
	}
	closedir(d);
	free(dir);
	qsort(l->names, l->n, sizeof(*l->names), cmp_names);
}

void models_resolve(struct model_list *l, const char *wanted, const char *top,
		    const char *build_dir)
{
	char *copy, *save = NULL, *name;

	memset(l, 0, sizeof(*l));
	if (!wanted || !*wanted) {
		from_sources(l, top, build_dir);
	} else {
		copy = sys_strdup(wanted);
		for (name = strtok_r(copy, " ,\t", &save); name;
		     name = strtok_r(NULL, " ,\t", &save)) {
			if (!built(build_dir, name))
				die("model %s: %s/server-%s is not built", name, build_dir, name);
			add(l, name);
		}
		free(copy);
	}
	if (l->n == 0)
		die("no models to run (build them with make, or name them with --models)");
}

char *models_join(const struct model_list *l, const char *sep)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < l->n; i++)
		len += strlen(l->names[i]) + strlen(sep);
	s = sys_alloc(len);
	for (int i = 0; i < l->n; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, l->names[i]);
	}
	return s;
}

void models_free(struct model_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	memset(l, 0, sizeof(*l));
}
