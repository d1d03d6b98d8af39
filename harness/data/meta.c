/*
 * meta.c - reading meta.json back (data/meta.h), with jansson.
 *
 * A run writes the file (run/meta_write.c); a report and a --resume only
 * read it, through here.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/meta.h"
#include "data/sys.h"

json_t *meta_load(const char *dir)
{
	char *path = sys_fmt("%s/meta.json", dir);
	json_t *m = json_load_file(path, 0, NULL);

	free(path);
	return m;
}

/* Appends v to the text in f: strings as they are, arrays space-separated,
 * objects "key=value, key=value", anything else as JSON. */
static void put_value(FILE *f, json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	int n = 0;

	if (json_is_string(v))
		fputs(json_string_value(v), f);
	else if (json_is_array(v))
		json_array_foreach(v, i, item)
		{
			fputs(i ? " " : "", f);
			put_value(f, item);
		}
	else if (json_is_object(v))
		json_object_foreach(v, key, item)
		{
			fputs(n++ ? ", " : "", f);
			fputs(key, f);
			fputs("=", f);
			put_value(f, item);
		}
	else {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		fputs(text ? text : "?", f);
		free(text);
	}
}

char *meta_value_text(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		die("out of memory");
	put_value(f, v);
	fclose(f);
	return buf;
}
