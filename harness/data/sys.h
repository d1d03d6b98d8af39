/*
 * sys.h - small helpers every harness module uses: fatal errors, memory,
 * clocks, strings, running a command (to capture its output, or with a log
 * and a time limit) and CPU lists.  It is in data/ because everything may
 * include it.
 *
 * Error convention: die() for set-up failures (bad option, missing file the
 * user named); everything else returns -1 and leaves errno or a message.
 */
#ifndef BENCH_DATA_SYS_H
#define BENCH_DATA_SYS_H

#include <sched.h>
#include <stddef.h>

/* Prints "bench: <message>" to stderr and exits 2.  (The same prototype
 * as lib/util.h's, though bench links nothing of lib/.) */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Prints "bench: <message>" to stderr and carries on. */
void sys_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc/realloc/strdup that die() when memory runs out. */
void *sys_alloc(size_t n);
void *sys_grow(void *p, size_t n);
char *sys_strdup(const char *s);

/* asprintf() that dies on failure; the caller frees the result. */
char *sys_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic seconds, as a double. */
double sys_now(void);

/* Sleeps for s seconds (restarted after signals only up to the deadline). */
void sys_sleep(double s);

/* Reads a whole file into a NUL-terminated buffer the caller frees.
 * Returns NULL (errno set) if it cannot. */
char *sys_read_file(const char *path, size_t *len);

/* Runs argv (no shell) with stdout captured; returns its first line,
 * without the newline, in a buffer the caller frees, or NULL if the command
 * could not run or printed nothing.  stderr goes to /dev/null. */
char *sys_first_line(char *const argv[]);

/* Runs argv (argv[0] a path; no shell) with stdin from /dev/null and
 * stdout and stderr into log_path, killed if the harness dies, for at most
 * timeout_s seconds (then SIGKILLed).  Returns its exit status (0..255),
 * or -1 if it could not run, was killed or took too long. */
int sys_run(char *const argv[], const char *log_path, double timeout_s);

/* Parses a CPU list as the kernel and taskset write it ("0", "1-3",
 * "0,2-3"; a trailing newline is allowed) into set.  Returns the number of
 * CPUs, or -1 if the list is malformed or empty.  The one parser of CPU
 * lists: suites are checked with it, run/proc.h pins processes with it,
 * run/doctor.c and run/hoststat.c read /sys and /proc lists with it. */
int sys_cpu_set(const char *cpus, cpu_set_t *set);

/* The number of CPUs in a CPU list; -1 if malformed or empty. */
int sys_cpu_count(const char *cpus);

/* Copies at most size-1 bytes and always terminates (unlike strncpy). */
void sys_copy(char *dst, size_t size, const char *src);

/* Removes leading and trailing white space in place; returns s. */
char *sys_trim(char *s);

#endif
