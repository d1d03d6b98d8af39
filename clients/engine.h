/*
 * engine.h - the I/O engine of a load-generating thread (--engine): how
 * it waits for its sockets and its timer, and how it connects, sends,
 * receives and closes.  Everything else (what to send and when, checking
 * every response, the figures) is client.c's and worker.c's, shared by
 * both engines, so that a difference in the figures is the engine's.
 *
 *   engine_epoll.c  readiness: epoll says a socket can be read or written,
 *                   and the thread makes the recv()/send() system call
 *                   itself (two system calls a request, plus epoll_wait)
 *   engine_uring.c  completion: the thread queues connects, sends and
 *                   multishot receives in an io_uring; the kernel does them
 *                   and reports each result; one io_uring_enter() a loop
 *                   turn submits every queued operation and waits
 *
 * The shape is Redis's ae.c: each engine is one file defining the same
 * few functions over its own private state (g->io_state), and the loop
 * (worker.c) never knows which one it got.
 *
 * The contract with client.c: the operations below are called by client.c
 * and never call it back.  What the kernel reports later is handed to
 * client.c by wait(), through client_connected(), client_received() and
 * client_sent() (client.h), for the socket the client has then; reports
 * for a socket since closed are dropped by the engine (client_of_tag()).
 */
#ifndef LOADGEN_ENGINE_H
#define LOADGEN_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct client;
struct client_group;

struct engine {
	const char *name; /* as --engine spells it */
	/* A completion engine waits inside the kernel's operations itself,
	 * so its sockets and timerfd are blocking descriptors (io_uring
	 * would return EAGAIN on a non-blocking timerfd instead of waiting);
	 * a readiness engine needs them non-blocking. */
	bool blocking_fds;
	/* Sets up g->io_state for g's clients, also waiting on the timerfd
	 * tfd; dies (lg_die) with a message naming what the kernel lacks. */
	void (*init)(struct client_group *g, int tfd);
	/* Frees g->io_state. */
	void (*free)(struct client_group *g);
	/* Waits until something happened and hands every socket event to
	 * client.c, reading a fresh clock for each.  Returns true if the
	 * timerfd expired (the loop then runs its timers). */
	bool (*wait)(struct client_group *g);
	/* c->fd is a new socket: starts connecting it to g's target.  The
	 * outcome comes later, as client_connected().  Returns 0, or -1 with
	 * errno set if the connect failed at once. */
	int (*connect)(struct client_group *g, struct client *c);
	/* Sends buf[0..len) on c, bytes that stay unchanged until reported.
	 * Returns how many went out now (> 0), or 0: the engine took the
	 * send on and reports it as client_sent(); -1 with errno set if it
	 * failed.  An engine may count queued bytes as gone when the answer
	 * to them must come before the next send (see engine_uring.c); if
	 * they fail after all, it reports client_sent(-errno). */
	ssize_t (*send)(struct client_group *g, struct client *c, const char *buf, size_t len);
	/* Closes c->fd and forgets whatever the engine has in flight on it;
	 * nothing about that socket reaches client.c afterwards. */
	void (*close)(struct client_group *g, struct client *c);
};

extern const struct engine engine_epoll;
extern const struct engine engine_uring;

#endif
