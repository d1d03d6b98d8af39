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

#include <stdbool.h>

/* Installs the handlers and creates the self-pipe.  Called by main. */
void sig_init(void);

/* True once SIGTERM or SIGINT has arrived.  Async-signal-safe. */
bool sig_stopping(void);

/* Read end of the self-pipe: readable once a stop signal has arrived (the
 * byte is never consumed, so it stays readable).  Non-blocking. */
int sig_fd(void);

#endif
