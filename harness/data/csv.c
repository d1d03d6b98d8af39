/*
 * csv.c - the little CSV runs.csv needs.  Only `reason` can hold a comma or
 * a quote, but a reader that tolerates them costs a dozen lines.
 */
#include <string.h>

#include "data/csv.h"

void csv_put(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* Unquotes a quoted field in place from p (just after the opening quote);
 * returns where the field's text ended in the input. */
static char *unquote(char *p, char **field)
{
	char *out = p;

	*field = p;
	while (*p) {
		if (*p == '"' && p[1] == '"') {
			*out++ = '"';
			p += 2;
		} else if (*p == '"') {
			p++;
			break;
		} else {
			*out++ = *p++;
		}
	}
	/* Anything between the closing quote and the separator is dropped. */
	while (*p && *p != ',' && *p != '\n')
		p++;
	*out = '\0';
	return p;
}

int csv_next_record(char **pos, char **fields, int max)
{
	char *p = *pos, sep;
	int n = 0;

	if (!*p)
		return -1;
	for (;;) {
		char *field, *end;

		if (*p == '"') {
			end = unquote(p + 1, &field);
		} else {
			field = p;
			end = p + strcspn(p, ",\n");
		}
		sep = *end;
		if (end > field && sep != '\0' && end[-1] == '\r' && *p != '"')
			end[-1] = '\0';
		if (*p != '"')
			*end = '\0';
		if (n < max)
			fields[n++] = field;
		p = sep ? end + 1 : end;
		if (sep != ',')
			break;
	}
	*pos = p;
	return n;
}
