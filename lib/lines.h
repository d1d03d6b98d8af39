/*
 * lines.h - the seed article's stateful echo (--proto lines).
 *
 * The client sends lines ("Hello World!:7\n"); the server answers each one
 * with the previous line, a space and the current line ("Hello World!:6
 * Hello World!:7\n"), and the first one with the current line alone.  A line
 * ends with "\n"; a "\r\n" ending is accepted and the "\r" dropped, and the
 * answer always ends with "\n" alone.  An empty line is a line like any
 * other.
 *
 * Unlike echo and HTTP, the protocol keeps state between requests: the
 * previous line.  That is the point of the article's example (state across
 * messages is what callback code makes awkward), and it is why this
 * protocol allocates: the previous line lives in a small buffer that the
 * session gets with its first line, not in struct session, so that an idle
 * connection (which never sent a line) costs one pointer more, not a
 * kilobyte.  session_end() frees it; every model calls it where it closes a
 * connection (conn_close(), conn_serve_blocking(), and the close paths of
 * io-uring and libuv, which free their connections themselves).
 *
 * Bad input ends the connection with a one-line message, then the model's
 * usual close (send it, shut down the sending side, drain):
 *   - a line longer than LINES_MAX bytes (its "\r\n" or "\n" not counted):
 *     "error: line too long (limit 1024 bytes)\n", as soon as byte
 *     LINES_MAX + 1 arrives, without waiting for the newline;
 *   - a byte that is not text: a control character other than tab (C0,
 *     DEL, or C1 encoded in UTF-8), a "\r" not followed by "\n", or bytes
 *     that are not valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 *     nothing above U+10FFFF): "error: not text\n", as soon as it arrives.
 * So a connection holds at most LINES_MAX + 1 bytes of a partial line (the
 * model's input buffer, 2 KiB in lib/conn.c) plus the previous line.  A
 * partial line counts as a request head for --header-timeout
 * (session_in_head()), so a line trickled a byte at a time is cut off like
 * a slowloris; the idle timeout closes a connection that sends nothing.
 */
#ifndef MODELBENCH_LINES_H
#define MODELBENCH_LINES_H

#include <stddef.h>

#include "session.h"

#define LINES_MAX 1024 /* bytes in a line, its ending not counted */

#define LINES_TOO_LONG_MSG "error: line too long (limit 1024 bytes)\n"
#define LINES_NOT_TEXT_MSG "error: not text\n"

/* What lines_scan() found at the start of its input. */
enum lines_scan {
	LINES_PARTIAL,	/* no complete line yet, and nothing wrong so far */
	LINES_LINE,	/* a line: *line_len bytes of text, *used with its ending */
	LINES_TOO_LONG, /* more than LINES_MAX bytes without an ending */
	LINES_NOT_TEXT	/* a byte that is not text */
};

/* The parser: looks at in[0..len) for one line.  Pure (no state, no
 * allocation), so that it can be fuzzed alone (tests/fuzz/fuzz-lines.c). */
enum lines_scan lines_scan(const char *in, size_t len, size_t *line_len, size_t *used);

/* session_process() for --proto lines: same contract (session.h).  Needs
 * LINES_REPLY_ROOM bytes of output room per line; returns
 * SESSION_OUTPUT_FULL when there is less. */
#define LINES_REPLY_ROOM (2 * LINES_MAX + 2)
enum session_step lines_process(struct session *s, const struct server_config *cfg, const char *in,
				size_t in_len, size_t *consumed, char *out, size_t out_cap,
				size_t *out_len);

/* Frees the previous line (session_end() calls it). */
void lines_end(struct session *s);

#endif
