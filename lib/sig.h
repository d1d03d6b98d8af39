/*
 * sig.h - stopping on SIGTERM/SIGINT, the same way in every model.
 *
 * The handler sets a flag and writes a byte to a self-pipe, so a model can
 * either poll sig_stopping() after EINTR, or watch sig_fd() in its event set
 * and wake at once.  SIGPIPE is ignored: a write to a closed peer returns
 * EPIPE instead of killing the server.  Handlers are installed without
 * SA_RESTART so blocking calls return EINTR.
 */
#ifndef MODELBENCH_SIG_H
#define MODELBENCH_SIG_H

#include <signal.h>
#include <stdbool.h>

/* Installs the handlers and creates the self-pipe.  Called by main. */
void sig_init(void);

/* True once SIGTERM or SIGINT has arrived.  Async-signal-safe. */
bool sig_stopping(void);

/* Read end of the self-pipe: readable once a stop signal has arrived (the
 * byte is never consumed, so it stays readable).  Non-blocking. */
int sig_fd(void);

/* Blocks SIGTERM and SIGINT in the calling thread and saves its previous
 * mask in *old; sig_restore(old) puts that back.  A new thread starts with
 * its creator's mask, so a model that starts threads blocks the stop signals
 * around pthread_create(): the new threads never take them, and a stop
 * always interrupts the thread that waits for it (the acceptor, or worker
 * 0), while the others see sig_fd().  After sig_init(). */
void sig_block_stop(sigset_t *old);
void sig_restore(const sigset_t *old);

#endif
