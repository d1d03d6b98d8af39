/*
 * net.h - sockets, set up the same way for every model.
 *
 * Fairness rule: every model gets its sockets from these functions, so all
 * of them use the same socket options (TCP_NODELAY on connections, the
 * same backlog) and the same EMFILE policy.
 *
 * System wrappers return -1 and set errno on failure.
 */
#ifndef MODELBENCH_NET_H
#define MODELBENCH_NET_H

#include <stdbool.h>
#include <stddef.h>

/* Opens a listening TCP socket on host:port (IPv4 or IPv6 literal or name;
 * port 0 = any free port), blocking and close-on-exec, with SO_REUSEADDR and
 * optionally SO_REUSEPORT.  Returns the descriptor or -1 with errno set. */
int net_listen(const char *host, int port, int backlog, bool reuseport);

/* Writes "HOST:PORT" of the socket's local address into out. */
void net_local_name(int fd, char *out, size_t outlen);

/* The local port of a bound socket, or -1. */
int net_local_port(int fd);

/* Sets O_NONBLOCK.  Returns 0 or -1. */
int net_set_nonblock(int fd);

/* Accepts one connection, close-on-exec, non-blocking if asked, with the
 * shared connection options applied.  Returns the descriptor, or -1 with
 * errno set: EAGAIN (nothing pending), EINTR, or a per-connection error the
 * caller just ignores (ECONNABORTED...).
 *
 * When the process is out of descriptors (EMFILE/ENFILE) this frees a
 * reserved descriptor, accepts the pending connection and closes it at once,
 * so the client gets a clean close instead of waiting in the backlog and the
 * caller does not spin on a listening socket that stays readable.  It then
 * returns -1 with errno EMFILE and logs at most once a second; if no
 * connection was waiting, it returns -1 with errno EAGAIN.  Thread-safe:
 * every thread's accept() is kept out of the moment the spare is lent, so
 * none can steal it (a blocking accept() delays other threads' shedding
 * until it returns). */
int net_accept(int listen_fd, bool nonblock);

/* Applies the shared connection options to a socket the caller accepted
 * some other way (io_uring's accept) and counts it, as net_accept() does. */
void net_accepted(int fd);

/* Connections taken per wakeup of the listening socket: enough to keep up
 * with a burst of connects, few enough that serving the clients already
 * connected goes on meanwhile. */
#define NET_ACCEPT_BATCH 64

/* Accepts up to NET_ACCEPT_BATCH waiting connections, non-blocking, and
 * hands each to take(arg, fd), which owns it from then on: the one accept
 * loop of the event models, so that all of them take as many connections
 * per wakeup.  It stops early at the first failed accept, or, with
 * past_errors, only once none is pending (EAGAIN): a failure (a shed
 * connection, ECONNABORTED) then just uses up one turn.  Returns 1 when it
 * went through the whole batch (more may be waiting), 0 when it stopped
 * early. */
int net_accept_batch(int listen_fd, bool past_errors, void (*take)(void *arg, int fd), void *arg);

/* For blocking models: waits until a connection is pending or a stop
 * signal arrives, then accepts it (blocking socket, as net_accept).
 * Returns the descriptor, or -1 with errno set; EINTR once stopping. */
int net_accept_blocking(int listen_fd);

/* Reserves the spare descriptor used by net_accept().  Called by main. */
void net_init(void);

#endif
