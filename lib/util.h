/*
 * util.h - logging, fatal errors and clocks.
 */
#ifndef MODELBENCH_UTIL_H
#define MODELBENCH_UTIL_H

#include <stdint.h>

/* Prints "server-<model>: <message>" to stderr and exits 1.  For set-up
 * failures only; a failing connection is never a reason to die. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Prints "server-<model>: <message>" to stderr.  Rate-limited callers pass
 * a key so that a storm of the same event logs once a second. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic time in microseconds (vDSO, no system call). */
uint64_t util_now_us(void);

/* Spins the CPU for us microseconds of wall time (the --work-us knob). */
void util_spin_us(long us);

/* The program name used by die() and log_msg(). */
extern const char *util_progname;

#endif
