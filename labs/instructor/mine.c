/*
 * mine - lab 6's starter with its TODOs done: one poll() loop (reference).
 *
 * This is labs/starter/mine.c filled in the way the handout asks, kept by
 * the instructor as the model answer and by tests/labs/ as proof that the
 * grader can give full marks.  One thread waits with poll() for the
 * listening socket, the stop signal and every connection at once, and
 * calls the conn_on_* handler of whichever is ready.  Good at: a few
 * thousand connections with one thread.  Breaks when: very many idle
 * connections make every poll() call scan them all (lab 2).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

/* How often the loop wakes up when nothing happens, to close connections
 * that stayed idle past --idle-timeout. */
#define SWEEP_MS 1000

/* Entries 0 and 1 of the table are not connections. */
#define SLOT_STOP 0
#define SLOT_LISTEN 1
#define FIRST_CLIENT 2

/* Calls the handler for the event the connection was waiting for, now that
 * it has happened, and returns what the connection wants next. */
static enum conn_want advance(struct conn *c, enum conn_want want, const struct server_config *cfg)
{
	switch (want) {
	case CONN_WANT_READ:
		return conn_on_readable(c, cfg);
	case CONN_WANT_WRITE:
		return conn_on_writable(c, cfg);
	case CONN_WANT_TIMER:
		return conn_on_timer(c, cfg);
	default:
		return CONN_WANT_CLOSE;
	}
}

/* The poll() events that wait for what the connection wants.  A connection
 * waiting on its --delay-us timer waits for no event at all. */
static short events_for(enum conn_want want)
{
	return want == CONN_WANT_READ ? POLLIN : want == CONN_WANT_WRITE ? POLLOUT : 0;
}

/* Milliseconds from now until deadline_us, rounded up (poll() counts in
 * milliseconds; ppoll() would take a struct timespec). */
static int ms_until(uint64_t deadline_us)
{
	uint64_t now = util_now_us();

	return deadline_us <= now ? 0 : (int)((deadline_us - now + 999) / 1000);
}

/* TODO 1: the table.  fds[i] is what poll() watches for the connection in
 * clients[i]; both arrays grow together. */
struct client {
	struct conn conn;
	enum conn_want want;
};

struct table {
	struct pollfd *fds;
	struct client **clients; /* NULL in the first two slots */
	int count, cap;
};

static int table_add(struct table *t, int fd, struct client *cl)
{
	if (t->count == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct pollfd *fds = realloc(t->fds, (size_t)cap * sizeof(*fds));
		if (fds == NULL)
			return -1;
		t->fds = fds;
		struct client **clients = realloc(t->clients, (size_t)cap * sizeof(*clients));
		if (clients == NULL)
			return -1;
		t->clients = clients;
		t->cap = cap;
	}
	t->fds[t->count] = (struct pollfd){.fd = fd, .events = POLLIN};
	t->clients[t->count++] = cl;
	return 0;
}

/* Closes the connection in slot i and moves the last one into its place. */
static void table_remove(struct table *t, int i)
{
	conn_close(&t->clients[i]->conn);
	free(t->clients[i]);
	t->count--;
	t->fds[i] = t->fds[t->count];
	t->clients[i] = t->clients[t->count];
}

/* TODO 3: what every slot waits for, and how long poll() may sleep. */
static int prepare(struct table *t)
{
	int timeout = SWEEP_MS;

	for (int i = FIRST_CLIENT; i < t->count; i++) {
		struct client *cl = t->clients[i];
		if (cl->want == CONN_WANT_TIMER) {
			int ms = ms_until(cl->conn.deadline_us);
			if (ms < timeout)
				timeout = ms;
			t->fds[i].fd = -1; /* poll() skips it */
		} else {
			t->fds[i].fd = cl->conn.fd;
			t->fds[i].events = events_for(cl->want);
		}
	}
	return timeout;
}

/* TODO 4: runs the handler of every connection that is ready. */
static void dispatch(struct table *t, const struct server_config *cfg)
{
	uint64_t now = util_now_us();

	for (int i = FIRST_CLIENT; i < t->count;) {
		struct client *cl = t->clients[i];
		int due = cl->want == CONN_WANT_TIMER ? cl->conn.deadline_us <= now
						      : t->fds[i].revents != 0;
		if (due)
			cl->want = advance(&cl->conn, cl->want, cfg);
		if (cl->want == CONN_WANT_CLOSE)
			table_remove(t, i); /* slot i now holds another one */
		else
			i++;
	}
}

/* TODO 5: takes every client waiting in the listen queue. */
static void accept_all(struct table *t, int listen_fd, const struct server_config *cfg)
{
	for (;;) {
		int fd = net_accept(listen_fd, true);
		if (fd < 0)
			return;
		struct client *cl = malloc(sizeof(*cl));
		if (cl == NULL || table_add(t, fd, cl) < 0) {
			free(cl);
			close(fd);
			continue;
		}
		conn_init(&cl->conn, fd, cfg->proto);
		cl->want = CONN_WANT_READ;
	}
}

/* TODO 6: closes idle and slowloris connections. */
static void sweep(struct table *t, const struct server_config *cfg)
{
	uint64_t now = util_now_us();

	for (int i = FIRST_CLIENT; i < t->count;) {
		if (conn_expired(&t->clients[i]->conn, cfg, now))
			table_remove(t, i);
		else
			i++;
	}
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct table t = {0};
	uint64_t next_sweep = util_now_us() + SWEEP_MS * 1000;

	/* TODO 2 */
	if (net_set_nonblock(listen_fd) < 0 || table_add(&t, sig_fd(), NULL) < 0 ||
	    table_add(&t, listen_fd, NULL) < 0) {
		log_msg("cannot start the loop");
		free(t.fds);
		free(t.clients);
		return -1;
	}
	while (!sig_stopping()) {
		int n = poll(t.fds, (nfds_t)t.count, prepare(&t));
		if (n < 0 && errno != EINTR)
			break;
		if (n < 0)
			continue;
		dispatch(&t, cfg);
		if (t.fds[SLOT_LISTEN].revents)
			accept_all(&t, listen_fd, cfg);
		if (util_now_us() >= next_sweep) {
			sweep(&t, cfg);
			next_sweep = util_now_us() + SWEEP_MS * 1000;
		}
	}
	/* TODO 7 */
	while (t.count > FIRST_CLIENT)
		table_remove(&t, FIRST_CLIENT);
	free(t.fds);
	free(t.clients);
	conn_thread_done();
	return 0;
}

const struct model model = {
    .name = "mine",
    .about = "my own model: one thread, one poll() loop (lab 6 reference answer)",
    .serve = serve,
};
