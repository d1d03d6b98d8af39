/*
 * prefork - worker processes share one listening socket; each serves one
 * connection at a time, and the parent grows and shrinks their number the
 * way Apache's prefork MPM does.
 *
 * Apache's original model: the parent forks workers ahead of demand (fork
 * is too slow to do per connection), each worker waits on the same socket,
 * and the kernel hands each new connection to one of them.  A crashing
 * worker takes down one connection, not the server.  Good at: isolation,
 * using every core with no locks.  Breaks at: more simultaneous connections
 * than --workers -- a keep-alive client holds a whole process, the rest wait
 * in the listen backlog -- and memory, a process per connection.
 *
 * The scoreboard: one slot per possible worker in a MAP_SHARED mapping made
 * before the first fork, holding its pid, its state (starting, idle, busy,
 * leaving) and the connections it served.  A worker marks itself busy from
 * accept to the close of its connection.  Every tick the parent reaps
 * exited workers (killed ones too), counts the idle ones, and then
 * - below --min-spare idle, starts spawn_rate workers, doubling the rate
 *   each tick it is still short (1, 2, 4 ... up to 32), never above
 *   --workers;
 * - above --max-spare idle, stops one idle worker by writing a byte to the
 *   "pipe of death", which only idle workers watch.  Apache 2 does this
 *   instead of signalling a pid it read from the scoreboard: that worker
 *   may have accepted a connection since, and a signal would cut it.
 * The defaults are Apache's: --workers 256 (MaxRequestWorkers),
 * --start-workers 5 (StartServers), --min-spare 5 (MinSpareServers),
 * --max-spare 10 (MaxSpareServers).  The clock is not: Apache's parent
 * looks once a second, so a burst of 200 clients would wait about 10 s
 * (5 + 1 + 2 + 4 ... + 32 a second) for processes.  This parent looks
 * every 100 ms, and every 5 ms while it is growing, and it counts a worker
 * still starting as busy, not idle as Apache does (with a 5 ms tick that
 * would stop the growth after each round of forks).  It grows from 5 to
 * 100 in 0.2-0.4 s (a fork took 2-6 ms on the loaded 2-core test
 * machine), may overshoot by one round, and shrinks by up to 10 idle
 * workers a second instead of 1.
 *
 * Slowloris: each slow client holds a whole process until its header
 * timeout.  The pool grows to replace the idle workers they take, so a few
 * hundred of them cost a few hundred processes; past --workers every
 * process is held, and new clients wait in the listen backlog until a slow
 * one is cut off.  Only idle workers wait on the socket, so a new
 * connection wakes at most about --max-spare of them (the thundering herd
 * stays small); the listening socket is non-blocking so that the ones that
 * lose the race go back to waiting instead of blocking in accept().
 *
 * Concurrency: one connection per worker
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocking.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

/* How often the parent reaps, counts and adjusts its workers; sooner
 * after a tick that found it short of idle workers, while it grows. */
#define TICK_MS 100
#define GROW_TICK_MS 5
/* Apache's MAX_SPAWN_RATE: workers started in one tick at most. */
#define MAX_SPAWN_RATE 32

enum slot_state { SLOT_FREE, SLOT_STARTING, SLOT_IDLE, SLOT_BUSY, SLOT_LEAVING };

/* One worker in the scoreboard.  The parent writes pid; the worker writes
 * state and served; both read them with relaxed atomics. */
struct slot {
	pid_t pid;	      /* 0 = no process */
	int state;	      /* enum slot_state */
	unsigned long served; /* connections served (Apache's mod_status shows it) */
};

struct pool {
	struct slot *board; /* the scoreboard, shared with every worker */
	int max;	    /* --workers: slots in the board */
	int min_spare, max_spare;
	int pod[2];	  /* pipe of death: a byte stops one idle worker */
	int spawn_rate;	  /* workers to start next tick if still short */
	int logged_total; /* the count last written to stderr */
	bool full_logged; /* "reached --workers" already said */
};

static void set_state(struct slot *s, enum slot_state state)
{
	__atomic_store_n(&s->state, state, __ATOMIC_RELAXED);
}

static enum slot_state get_state(const struct slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_RELAXED);
}

/* Takes a byte from the pipe of death.  True if this worker must leave: it
 * got the byte, or the parent is gone (end of file). */
static bool pod_says_leave(int pod_fd)
{
	char byte;

	return read(pod_fd, &byte, 1) >= 0 || errno != EAGAIN;
}

/* A worker's life: wait for a connection (or a reason to leave) while idle,
 * serve it while busy. */
static void worker_main(struct pool *p, struct slot *me, int listen_fd,
			const struct server_config *cfg)
{
	struct pollfd fds[3] = {{.fd = listen_fd, .events = POLLIN},
				{.fd = sig_fd(), .events = POLLIN},
				{.fd = p->pod[0], .events = POLLIN}};

	close(p->pod[1]); /* so that the parent's death reads as end of file */
	set_state(me, SLOT_IDLE);
	while (!sig_stopping()) {
		if (poll(fds, 3, -1) < 0)
			continue; /* EINTR: the loop condition decides */
		if (fds[1].revents)
			break; /* the shared stop pipe: the server is stopping */
		if (fds[2].revents && pod_says_leave(p->pod[0]))
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		int fd = net_accept(listen_fd, false);
		if (fd < 0)
			continue; /* another worker was faster, or it was shed */
		set_state(me, SLOT_BUSY);
		conn_serve_blocking(fd, cfg, &blocking_io_os);
		__atomic_fetch_add(&me->served, 1, __ATOMIC_RELAXED);
		set_state(me, SLOT_IDLE);
	}
	set_state(me, SLOT_LEAVING);
	_exit(0); /* not exit(): the parent's stdio buffers are not ours */
}

/* Starts a worker in a free slot.  Returns 0, or -1 if the board is full
 * or fork failed (logged). */
static int spawn(struct pool *p, int listen_fd, const struct server_config *cfg)
{
	struct slot *s = NULL;
	pid_t pid;

	for (int i = 0; i < p->max && s == NULL; i++)
		if (get_state(&p->board[i]) == SLOT_FREE)
			s = &p->board[i];
	if (s == NULL)
		return -1;
	set_state(s, SLOT_STARTING);
	pid = fork();
	if (pid == 0)
		worker_main(p, s, listen_fd, cfg);
	if (pid < 0) {
		log_msg("fork: %s", strerror(errno));
		set_state(s, SLOT_FREE);
		return -1;
	}
	s->pid = pid;
	return 0;
}

/* Frees the slots of exited workers (killed ones too: the next tick
 * replaces them if the pool is short of idle workers). */
static void reap(struct pool *p)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (int i = 0; i < p->max; i++) {
			if (p->board[i].pid != pid)
				continue;
			p->board[i].pid = 0;
			set_state(&p->board[i], SLOT_FREE);
		}
	}
}

/* Counts live workers, and idle ones in *idle. */
static int count(const struct pool *p, int *idle)
{
	int total = 0;

	*idle = 0;
	for (int i = 0; i < p->max; i++) {
		enum slot_state st = get_state(&p->board[i]);
		if (st == SLOT_FREE)
			continue;
		total++;
		if (st == SLOT_IDLE)
			(*idle)++;
	}
	return total;
}

/* Apache's perform_idle_server_maintenance(), once per tick.  Returns the
 * time to the next tick. */
static int maintain(struct pool *p, int listen_fd, const struct server_config *cfg)
{
	int idle, total = count(p, &idle), started = 0;

	if (total != p->logged_total) {
		log_msg("prefork: %d workers (%d idle)", total, idle);
		p->logged_total = total;
	}
	if (idle > p->max_spare) {
		char byte = 0;
		if (write(p->pod[1], &byte, 1) < 0)
			log_msg("pipe of death: %s", strerror(errno));
		p->spawn_rate = 1;
		return TICK_MS;
	}
	if (idle >= p->min_spare) {
		p->spawn_rate = 1;
		return TICK_MS;
	}
	while (started < p->spawn_rate && spawn(p, listen_fd, cfg) == 0)
		started++;
	if (started == 0 && total >= p->max && !p->full_logged) {
		log_msg("prefork: at --workers %d with fewer than %d idle; new clients may wait",
			p->max, p->min_spare);
		p->full_logged = true;
	}
	if (p->spawn_rate < MAX_SPAWN_RATE)
		p->spawn_rate *= 2;
	return started ? GROW_TICK_MS : TICK_MS;
}

/* Stops every worker: the pipe of death's end of file and SIGTERM (which
 * cuts a busy worker's connection), SIGKILL for any still there after
 * 0.9 s. */
static void stop_workers(struct pool *p)
{
	uint64_t end = util_now_us() + 900000;
	int left, idle;

	close(p->pod[1]);
	for (int i = 0; i < p->max; i++)
		if (p->board[i].pid > 0)
			kill(p->board[i].pid, SIGTERM);
	do {
		reap(p);
		left = count(p, &idle);
		if (left)
			usleep(10000);
	} while (left && util_now_us() < end);
	for (int i = 0; i < p->max; i++) { /* stuck past the deadline */
		if (p->board[i].pid > 0) {
			kill(p->board[i].pid, SIGKILL);
			waitpid(p->board[i].pid, NULL, 0);
		}
	}
}

static void pool_init(struct pool *p, const struct server_config *cfg)
{
	*p = (struct pool){.max = cfg->workers, .min_spare = cfg->min_spare, .spawn_rate = 1};
	/* Apache's rule: MaxSpareServers is at least MinSpareServers + 1. */
	p->max_spare = cfg->max_spare > p->min_spare ? cfg->max_spare : p->min_spare + 1;
	p->board = mmap(NULL, (size_t)p->max * sizeof(*p->board), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->board == MAP_FAILED)
		die("mmap scoreboard of %d slots: %s", p->max, strerror(errno));
	if (pipe2(p->pod, O_NONBLOCK | O_CLOEXEC) < 0)
		die("pipe2 (pipe of death): %s", strerror(errno));
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct pollfd stop = {.fd = sig_fd(), .events = POLLIN};
	int start = cfg->start_workers < cfg->workers ? cfg->start_workers : cfg->workers;
	int tick_ms = TICK_MS;
	struct pool p;

	pool_init(&p, cfg);
	/* Workers that lose the race for a connection must not block in
	 * accept(), where the pipe of death cannot reach them. */
	if (net_set_nonblock(listen_fd) < 0)
		die("O_NONBLOCK on the listening socket: %s", strerror(errno));
	for (int i = 0; i < start; i++)
		if (spawn(&p, listen_fd, cfg) < 0)
			die("could not start worker %d", i);
	while (!sig_stopping()) {
		poll(&stop, 1, tick_ms);
		reap(&p);
		if (!sig_stopping())
			tick_ms = maintain(&p, listen_fd, cfg);
	}
	stop_workers(&p);
	close(p.pod[0]);
	munmap(p.board, (size_t)p.max * sizeof(*p.board));
	return 0;
}

const struct model model = {
    .name = "prefork",
    .about = "worker processes, one connection each, grown and shrunk like Apache's",
    .default_workers = 256,
    .adaptive = {.start_workers = 5, .min_spare = 5, .max_spare = 10},
    .serve = serve,
};
