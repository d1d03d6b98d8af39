/*
 * uring_setup.h - makes an io_uring with the best set-up flags the kernel
 * knows, for servers/io-uring.c and the load generator's io_uring engine
 * (clients/engine_uring.c), so that both run on the same kind of ring.
 *
 * Newest first: SINGLE_ISSUER + DEFER_TASKRUN (Linux 6.1) run completions
 * only when the thread asks for them, in its own context; COOP_TASKRUN
 * (5.19) spares it interrupts; SUBMIT_ALL keeps submitting past a failed
 * entry.  A kernel that does not know a flag answers EINVAL, and the next
 * set is tried.
 *
 * Header-only (one static function) so that only the programs that
 * include it link liburing.
 */
#ifndef MODELBENCH_URING_SETUP_H
#define MODELBENCH_URING_SETUP_H

#include <errno.h>
#include <liburing.h>
#include <string.h>

/* Initialises ring with sq_entries submission and cq_entries completion
 * entries; fills *p with what the kernel answered (p->features).  Returns
 * 0 or io_uring_queue_init_params()'s -errno: -EPERM or -ENOSYS when
 * io_uring is not available at all (a kernel built without it, the sysctl
 * kernel.io_uring_disabled, a seccomp filter). */
static inline int uring_setup_best(struct io_uring *ring, unsigned sq_entries, unsigned cq_entries,
				   struct io_uring_params *p)
{
	static const unsigned flag_sets[] = {
	    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
		IORING_SETUP_DEFER_TASKRUN,
	    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
	    0,
	};
	int rc = -EINVAL;

	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]) && rc == -EINVAL; i++) {
		memset(p, 0, sizeof(*p));
		p->flags = flag_sets[i] | IORING_SETUP_CQSIZE;
		p->cq_entries = cq_entries;
		rc = io_uring_queue_init_params(sq_entries, ring, p);
	}
	return rc;
}

#endif
