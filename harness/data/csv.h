/*
 * csv.h - RFC 4180 fields: quoting on write, unquoting on read.
 */
#ifndef BENCH_DATA_CSV_H
#define BENCH_DATA_CSV_H

#include <stdio.h>

/* Writes s as one field, quoted if it holds a comma, quote or newline. */
void csv_put(FILE *out, const char *s);

/* Splits one record starting at *pos into at most max fields, unquoting in
 * place; *pos moves past the record's line end.  Returns the number of
 * fields, or -1 at the end of the text. */
int csv_next_record(char **pos, char **fields, int max);

#endif
