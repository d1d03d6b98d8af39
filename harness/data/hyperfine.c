/*
 * hyperfine.c - reading hyperfine's --export-json files (data/hyperfine.h).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/hyperfine.h"
#include "data/sys.h"

/* hyperfine names each command after --command-name, here the model. */
static void read_result(json_t *r, struct hyperfine_result *b)
{
	json_t *codes = json_object_get(r, "exit_codes"), *code;
	size_t i;

	memset(b, 0, sizeof(*b));
	sys_copy(b->model, sizeof(b->model),
		 json_string_value(json_object_get(r, "command"))
		     ? json_string_value(json_object_get(r, "command"))
		     : "?");
	b->mean_s = json_number_value(json_object_get(r, "mean"));
	b->stddev_s = json_number_value(json_object_get(r, "stddev"));
	b->median_s = json_number_value(json_object_get(r, "median"));
	b->min_s = json_number_value(json_object_get(r, "min"));
	b->max_s = json_number_value(json_object_get(r, "max"));
	b->runs = (int)json_array_size(json_object_get(r, "times"));
	/* timeout(1) exits 124, or 137 after its SIGKILL; anything else
	 * non-zero is the load generator's own failure. */
	json_array_foreach(codes, i, code)
	{
		json_int_t rc = json_integer_value(code);

		b->cut_off += rc == 124 || rc == 137;
		b->failed += rc != 0 && rc != 124 && rc != 137;
	}
}

void hyperfine_describe(const struct hyperfine_result *r, char *buf, size_t size)
{
	if (r->failed)
		snprintf(buf, size, "loadgen failed in %d/%d runs", r->failed, r->runs);
	else if (r->cut_off)
		snprintf(buf, size, "cut off in %d/%d runs", r->cut_off, r->runs);
	else
		snprintf(buf, size, "%s", "");
}

int hyperfine_load(const char *path, struct hyperfine_result **out)
{
	json_t *root = json_load_file(path, 0, NULL);
	json_t *results = json_object_get(root, "results");
	int n = (int)json_array_size(results);

	*out = NULL;
	if (!json_is_array(results)) {
		json_decref(root);
		return -1;
	}
	*out = sys_alloc((n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++)
		read_result(json_array_get(results, i), &(*out)[i]);
	json_decref(root);
	return n;
}

int hyperfine_load_batch(const char *path, struct hyperfine_batch *b)
{
	json_t *root = json_load_file(path, 0, NULL), *p = json_object_get(root, "batch");
	const char *proto = json_string_value(json_object_get(p, "proto"));

	memset(b, 0, sizeof(*b));
	if (json_is_object(p)) {
		sys_copy(b->proto, sizeof(b->proto), proto ? proto : "echo");
		b->clients = (int)json_integer_value(json_object_get(p, "clients"));
		b->messages = (int)json_integer_value(json_object_get(p, "messages"));
		b->think_ms = (int)json_integer_value(json_object_get(p, "think_ms"));
		b->idle_timeout_s = (int)json_integer_value(json_object_get(p, "idle_timeout_s"));
		b->bound_s = json_number_value(json_object_get(p, "bound_s"));
	}
	json_decref(root);
	return b->clients > 0 ? 0 : -1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **hyperfine_list_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = sys_alloc(sizeof(*names));
	int n = 0;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "batch-", 6) || len < 12 ||
		    strcmp(e->d_name + len - 5, ".json"))
			continue;
		names = sys_grow(names, (n + 2) * sizeof(*names));
		names[n++] = sys_strdup(e->d_name);
	}
	if (d)
		closedir(d);
	names[n] = NULL;
	qsort(names, n, sizeof(*names), cmp_names);
	return names;
}
