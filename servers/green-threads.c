/*
 * green-threads - blocking-style code on user-space threads over one epoll loop.
 *
 * Every connection gets a green thread: a 64 KiB stack of its own (mmap'd,
 * with a PROT_NONE guard page below it, so an overflow crashes instead of
 * corrupting a neighbour) that runs exactly the code thread-per-conn runs,
 * conn_serve_blocking().  Only read, write and sleep differ: the socket is
 * non-blocking, and where a kernel thread would block, a green thread
 * registers interest with the one epoll instance and swapcontext()s to the
 * scheduler, which resumes it when its socket is ready or its deadline
 * passes.  This is gevent in C.  Good at: thread-per-conn's simple code in
 * less memory, with no kernel thread per connection.  Breaks when: a green
 * thread computes for long or calls something that really blocks (nothing
 * preempts it, so everyone waits), and it uses one core.  swapcontext() also
 * saves the signal mask with a system call at every switch, which is why
 * real runtimes switch stacks with a few lines of assembly.
 *
 * Special case: the acceptor is a green thread too, taking at most 64
 * connections per turn before it lets the others run.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "blocking.h"
#include "heap.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

#define STACK_SIZE (64 * 1024) /* includes the struct green at its top */
#define GUARD_SIZE 4096
#define MAX_EVENTS 256
/* Finished green threads whose stacks are kept for reuse; more are unmapped. */
#define FREE_MAX 1024
#define NO_DEADLINE 0

enum green_state { GREEN_READY, GREEN_RUNNING, GREEN_PARKED, GREEN_FINISHED };
enum wake_reason { WAKE_IO, WAKE_TIMEOUT, WAKE_STOP };

struct green {
	ucontext_t ctx;		       /* saved registers while not running */
	void (*body)(struct green *g); /* what it runs: a connection or the acceptor */
	int fd;			       /* the socket it serves */
	int watched_fd;		       /* registered with epoll, or -1 */
	uint32_t wait_events;	       /* epoll events it is parked on, or 0 */
	enum green_state state;
	enum wake_reason wake;		/* why it was last resumed */
	uint64_t deadline_us;		/* while in the deadline heap */
	struct heap_node deadline_node; /* in sched.deadlines, or all NULL */
	struct green *run_next;		/* in the run queue, or in the free list */
	struct green *prev, *next;	/* in sched.live, so a stop can wake all */
	char *map;			/* the mapping: guard page, stack, this struct */
	void *asan_fake_stack;
};

struct scheduler {
	const struct server_config *cfg;
	int epfd, listen_fd;
	int stopping;
	ucontext_t ctx; /* the scheduler, on the main thread's stack */
	void *asan_fake_stack;
	const void *main_stack; /* its bounds, for ASan */
	size_t main_stack_size;
	struct green *current; /* the green thread running, or NULL */
	struct green *run_head, *run_tail;
	size_t run_len;
	struct green *live; /* every green thread not finished */
	size_t live_count;
	struct green *free; /* finished, stack kept for reuse */
	size_t free_count;
	struct heap deadlines; /* parked with a deadline: min-heap on deadline_us */
};

/* One scheduler: the model is single-threaded by design. */
static struct scheduler sched;

/* ---- the deadline heap: sleeps and read timeouts, earliest first ---- */

/* The heap (lib/heap.h) links the struct heap_node embedded in each
 * green thread; this orders them. */
static bool deadline_before(const struct heap_node *a, const struct heap_node *b)
{
	return heap_entry(a, struct green, deadline_node)->deadline_us <
	       heap_entry(b, struct green, deadline_node)->deadline_us;
}

/* The parked green thread with the earliest deadline, or NULL. */
static struct green *first_deadline(void)
{
	struct heap_node *n = heap_min(&sched.deadlines);

	return n ? heap_entry(n, struct green, deadline_node) : NULL;
}

/* ---- switching stacks ---- */

/* Saves the running context in from and resumes to.  ASan keeps one stack
 * per thread; it must be told when we move to another, or it reports the
 * frames of the green threads as overflows of the main stack.  from_fake is
 * NULL when the context we leave will never run again. */
static void switch_context(ucontext_t *from, void **from_fake, const ucontext_t *to,
			   const void *to_stack, size_t to_size)
{
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_start_switch_fiber(from_fake, to_stack, to_size);
#endif
	swapcontext(from, to);
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_finish_switch_fiber(from_fake ? *from_fake : NULL, NULL, NULL);
#endif
}

static char *stack_base(struct green *g)
{
	return g->map + GUARD_SIZE;
}

static size_t stack_size(struct green *g)
{
	return (size_t)((char *)g - stack_base(g));
}

/* Runs g until it parks, yields or finishes. */
static void resume(struct green *g)
{
	sched.current = g;
	g->state = GREEN_RUNNING;
	switch_context(&sched.ctx, &sched.asan_fake_stack, &g->ctx, stack_base(g), stack_size(g));
	sched.current = NULL;
}

/* Back to the scheduler, from the running green thread g. */
static void to_scheduler(struct green *g)
{
	void **fake = g->state == GREEN_FINISHED ? NULL : &g->asan_fake_stack;

	switch_context(&g->ctx, fake, &sched.ctx, sched.main_stack, sched.main_stack_size);
}

/* ---- the run queue and waking ---- */

static void run_push(struct green *g)
{
	g->state = GREEN_READY;
	g->run_next = NULL;
	if (sched.run_tail)
		sched.run_tail->run_next = g;
	else
		sched.run_head = g;
	sched.run_tail = g;
	sched.run_len++;
}

static struct green *run_pop(void)
{
	struct green *g = sched.run_head;

	sched.run_head = g->run_next;
	if (sched.run_head == NULL)
		sched.run_tail = NULL;
	sched.run_len--;
	return g;
}

/* Makes a parked green thread runnable; anything else is left alone (it
 * is already queued, or the event was for a direction it is not waiting on). */
static void wake(struct green *g, enum wake_reason why)
{
	if (g->state != GREEN_PARKED)
		return;
	if (heap_contains(&sched.deadlines, &g->deadline_node))
		heap_remove(&sched.deadlines, &g->deadline_node, deadline_before);
	g->wake = why;
	run_push(g);
}

/* ---- what a green thread calls instead of blocking ---- */

/* Registers fd once, edge-triggered for both directions: after that a wait
 * costs no system call.  Edges that come while nobody waits are harmless,
 * because a green thread parks only after the socket said EAGAIN, and the
 * next change of state makes a new edge.  The registration goes away by
 * itself when the connection's descriptor is closed. */
static int watch(struct green *g, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				 .data.ptr = g};

	if (g->watched_fd == fd)
		return 0;
	if (epoll_ctl(sched.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	g->watched_fd = fd;
	return 0;
}

/* Parks the running green thread until fd is ready for events (fd -1:
 * none), deadline_us passes (NO_DEADLINE: never) or the server stops.
 * Returns 0 when fd is ready or the deadline passed while sleeping; -1 with
 * errno EAGAIN when the deadline passed first, EINTR on stop, or the error
 * of epoll_ctl. */
static int park(int fd, uint32_t events, uint64_t deadline_us)
{
	struct green *g = sched.current;

	if (sched.stopping) {
		errno = EINTR;
		return -1;
	}
	if (fd >= 0 && watch(g, fd) < 0)
		return -1;
	if (deadline_us != NO_DEADLINE) {
		g->deadline_us = deadline_us;
		heap_insert(&sched.deadlines, &g->deadline_node, deadline_before);
	}
	g->wait_events = events;
	g->state = GREEN_PARKED;
	to_scheduler(g);
	g->wait_events = 0;
	if (g->wake == WAKE_STOP)
		errno = EINTR;
	else if (g->wake == WAKE_TIMEOUT && fd >= 0)
		errno = EAGAIN; /* what a read with SO_RCVTIMEO says */
	else
		return 0;
	return -1;
}

/* Lets the other runnable green threads go first. */
static void yield(void)
{
	struct green *g = sched.current;

	run_push(g);
	to_scheduler(g);
}

static ssize_t green_read(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline =
	    timeout_ms < 0 ? NO_DEADLINE : util_now_us() + (uint64_t)timeout_ms * 1000;

	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR && !sig_stopping())
			continue;
		if (errno != EAGAIN)
			return -1;
		/* A stop ends the stream, as the shutdown() that stops
		 * thread-per-conn does: not an error. */
		if (park(fd, EPOLLIN | EPOLLRDHUP, deadline) < 0)
			return sched.stopping ? 0 : -1;
	}
}

static ssize_t green_write(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR && !sig_stopping())
			continue;
		if (errno != EAGAIN || park(fd, EPOLLOUT, NO_DEADLINE) < 0)
			return -1;
	}
	return (ssize_t)len;
}

/* With --delay-blocking, the mistake gevent warns about: a real sleep
 * (time.sleep without monkey-patching) stops every green thread at once. */
static void green_sleep_us(long us)
{
	if (sched.cfg->delay_blocking)
		usleep((useconds_t)us);
	else
		park(-1, 0, util_now_us() + (uint64_t)us);
}

/* No wait_readable: a read with a timeout parks on the scheduler's own
 * deadline heap, as precise as its epoll loop, so a push subscriber's wait
 * for its next tick is already exact. */
static const struct blocking_io green_io = {green_read, green_write, green_sleep_us, NULL};

/* ---- creating and finishing green threads ---- */

/* The struct green sits at the top of its own stack mapping, the way glibc
 * puts struct pthread at the top of a thread's stack: the page it touches
 * is the one the stack's first frames touch anyway. */
static struct green *green_alloc(void)
{
	struct green *g = sched.free;
	char *map;

	if (g != NULL) {
		sched.free = g->run_next;
		sched.free_count--;
		return g;
	}
	map = mmap(NULL, GUARD_SIZE + STACK_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (mprotect(map, GUARD_SIZE, PROT_NONE) < 0) {
		munmap(map, GUARD_SIZE + STACK_SIZE);
		return NULL;
	}
	g = (struct green *)(map + GUARD_SIZE + STACK_SIZE -
			     ((sizeof(struct green) + 63) & ~(size_t)63));
	g->map = map;
	return g;
}

static void green_release(struct green *g)
{
	if (sched.stopping)
		return; /* the process is about to exit, which unmaps every stack at once */
	if (sched.free_count >= FREE_MAX) {
		munmap(g->map, GUARD_SIZE + STACK_SIZE);
		return;
	}
	g->run_next = sched.free;
	sched.free = g;
	sched.free_count++;
}

static void live_add(struct green *g)
{
	g->prev = NULL;
	g->next = sched.live;
	if (sched.live)
		sched.live->prev = g;
	sched.live = g;
	sched.live_count++;
}

static void live_remove(struct green *g)
{
	if (g->prev)
		g->prev->next = g->next;
	else
		sched.live = g->next;
	if (g->next)
		g->next->prev = g->prev;
	sched.live_count--;
}

/* Where every green thread starts (makecontext passes no pointer portably,
 * so it finds itself in sched.current).  It never returns: a finished green
 * thread switches to the scheduler one last time, which recycles its stack. */
static void green_main(void)
{
	struct green *g = sched.current;

#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_finish_switch_fiber(NULL, &sched.main_stack, &sched.main_stack_size);
#endif
	g->body(g);
	g->state = GREEN_FINISHED;
	to_scheduler(g);
}

/* Points g's context at green_main() on g's own stack.  (A function of its
 * own: getcontext() returns twice, like setjmp(), which makes the compiler
 * wary of the locals of its caller.) */
static void make_context(struct green *g)
{
	getcontext(&g->ctx);
	g->ctx.uc_stack.ss_sp = stack_base(g);
	g->ctx.uc_stack.ss_size = stack_size(g);
	g->ctx.uc_link = NULL;
	makecontext(&g->ctx, green_main, 0);
}

/* Creates a runnable green thread that will run body over fd. */
static struct green *green_spawn(void (*body)(struct green *g), int fd)
{
	struct green *g = green_alloc();
	char *map;

	if (g == NULL)
		return NULL;
	map = g->map;
	*g = (struct green){.body = body, .fd = fd, .watched_fd = -1, .map = map};
#if defined(__SANITIZE_ADDRESS__)
	/* A reused stack may still carry the poison of its last owner's frames. */
	ASAN_UNPOISON_MEMORY_REGION(stack_base(g), stack_size(g));
#endif
	make_context(g);
	live_add(g);
	run_push(g);
	return g;
}

/* ---- the two kinds of green thread ---- */

static void connection_body(struct green *g)
{
	conn_serve_blocking(g->fd, sched.cfg, &green_io);
}

/* Takes one accepted connection (net_accept_batch's callback). */
static void start_connection(void *unused, int fd)
{
	static struct log_limit log_limit;

	if (green_spawn(connection_body, fd) != NULL)
		return;
	close(fd);
	stats_add(STAT_REFUSED, 1);
	log_every(&log_limit, 1000000, "cannot map a green thread stack: %s; refusing connections",
		  strerror(errno));
}

/* Takes up to a batch of connections per turn, going on past a failed
 * accept (a shed one counts against the batch), and waits for the listening
 * socket only once none is pending (or, out of descriptors, none is left to
 * shed). */
static void acceptor_body(struct green *g)
{
	while (!sched.stopping) {
		if (net_accept_batch(sched.listen_fd, true, start_connection, NULL))
			yield();
		else
			park(g->fd, EPOLLIN, NO_DEADLINE);
	}
}

/* ---- the scheduler ---- */

/* Runs the green threads that were runnable when it started; the ones they
 * make runnable wait for the next turn, after the next look at epoll. */
static void run_ready(void)
{
	for (size_t n = sched.run_len; n > 0; n--) {
		struct green *g = run_pop();
		resume(g);
		if (g->state == GREEN_FINISHED) {
			live_remove(g);
			green_release(g);
		}
	}
}

static int next_timeout_ms(void)
{
	uint64_t now = util_now_us(), first;
	struct green *g = first_deadline();

	if (sched.run_len > 0)
		return 0;
	if (g == NULL)
		return -1;
	first = g->deadline_us;
	if (first <= now)
		return 0;
	return (int)((first - now + 999) / 1000);
}

/* Waits for the sockets the parked green threads want, and wakes them. */
static void poll_events(void)
{
	struct epoll_event ev[MAX_EVENTS];
	int n = epoll_wait(sched.epfd, ev, MAX_EVENTS, next_timeout_ms());

	for (int i = 0; i < n; i++) {
		struct green *g = ev[i].data.ptr;
		if (g != NULL && g->wait_events &&
		    (ev[i].events & (g->wait_events | EPOLLERR | EPOLLHUP)))
			wake(g, WAKE_IO);
	}
}

static void expire_deadlines(void)
{
	uint64_t now = util_now_us();
	struct green *g;

	while ((g = first_deadline()) != NULL && g->deadline_us <= now)
		wake(g, WAKE_TIMEOUT);
}

/* Wakes every green thread with "stopping": each one's next wait fails,
 * so it closes its connection and finishes. */
static void stop_all(void)
{
	sched.stopping = 1;
	for (struct green *g = sched.live; g != NULL; g = g->next)
		wake(g, WAKE_STOP);
}

static void schedule(void)
{
	while (sched.live_count > 0) {
		if (!sched.stopping && sig_stopping())
			stop_all();
		run_ready();
		if (sched.live_count == 0)
			break;
		poll_events();
		expire_deadlines();
	}
}

static void free_stacks(void)
{
	while (sched.free != NULL) {
		struct green *g = sched.free;
		sched.free = g->run_next;
		munmap(g->map, GUARD_SIZE + STACK_SIZE);
	}
	sched.free_count = 0;
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct epoll_event stop_ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct green *acceptor;

	sched.cfg = cfg;
	sched.listen_fd = listen_fd;
	if (net_set_nonblock(listen_fd) < 0)
		die("cannot make the listening socket non-blocking: %s", strerror(errno));
	sched.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sched.epfd < 0 || epoll_ctl(sched.epfd, EPOLL_CTL_ADD, sig_fd(), &stop_ev) < 0)
		die("cannot set up epoll: %s", strerror(errno));
	acceptor = green_spawn(acceptor_body, listen_fd);
	if (acceptor == NULL || watch(acceptor, listen_fd) < 0)
		die("cannot start the acceptor: %s", strerror(errno));
	schedule();
	free_stacks();
	close(sched.epfd);
	return 0;
}

const struct model model = {
    .name = "green-threads",
    .about = "one thread, a green thread (ucontext, 64 KiB stack) per connection",
    .serve = serve,
};
