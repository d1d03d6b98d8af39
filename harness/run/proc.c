/*
 * proc.c - process control for runs: pinned start, readiness, stop, reap,
 * and the memory of a process group read from /proc.
 *
 * Waiting without polling in steps.  Everything here that waits - for a
 * child to exit (proc_wait), for a line in its log (proc_wait_line) - sleeps
 * in one poll() on descriptors that become readable exactly when there is
 * something new to look at, so it wakes at once and never in between:
 *
 *   the child's exit   a pidfd (pidfd_open(2), Linux 5.3) is readable once the
 *                      process has exited.  Without one (an older kernel says
 *                      ENOSYS; BENCH_NO_PIDFD=1 forces this path for tests),
 *                      SIGCHLD is blocked for the length of the wait and read
 *                      from a signalfd: any child's change wakes the waiter,
 *                      which then asks wait4() or waitid() whether it was this
 *                      one.  SIGCHLD is blocked before that question is asked,
 *                      so an exit in between is never missed.
 *
 *   a server's output  its stdout is a pipe, and a small thread - the tee -
 *                      copies everything from the pipe into the log file, then
 *                      bumps an eventfd.  The log holds exactly what the server
 *                      wrote, as before.  The tee reads for as long as anyone
 *                      holds the pipe's write end, so a server that prints
 *                      megabytes after "listening on" never blocks on a full
 *                      pipe: the classic deadlock of a parent that stops
 *                      reading its child's pipe once it has seen what it
 *                      wanted cannot happen.
 *
 *   any other log      a file the child writes itself (a server that must
 *                      outlive the harness, strace's messages on stderr) is
 *                      watched with inotify.
 *
 * A log is read on from where the last look stopped, never again from the
 * start.  The only loop left that wakes on a clock is the caller's memory
 * sampler (proc_wait with a short timeout), plus a last resort when the
 * kernel refuses every descriptor above (then it steps as the old code did).
 *
 * Threads and fork(): the tees are the harness's only threads.  They take no
 * lock that a forked child could need (no malloc, no stdio), block every
 * signal (so SIGINT and SIGCHLD go to the main thread), and every descriptor
 * of theirs is close-on-exec, so no other child inherits a server's pipe.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/proc.h"
#include "data/sys.h"

/* The last resort steps: waiting for an exit (the old proc_wait's) and for a
 * line (the old proc_wait_line's), used only without any descriptor. */
#define EXIT_STEP_S 0.005
#define LINE_STEP_S 0.002
#define MAX_TEES 16	      /* servers whose stdout is teed at once */
#define TEE_CHUNK (256 << 10) /* most bytes a tee copies per lock */

void proc_init(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		sys_warn("cannot become a subreaper (%s): orphaned workers "
			 "will be reaped by init",
			 strerror(errno));
}

int proc_cpu_count(const char *cpus)
{
	return sys_cpu_count(cpus);
}

int proc_pin(const char *cpus)
{
	cpu_set_t set;

	if (sys_cpu_set(cpus, &set) < 0)
		return -1;
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Waiting for an exit.  An exit_watch is a descriptor that becomes readable
 * when the process may have exited: its pidfd, or a signalfd of SIGCHLD.
 */
struct exit_watch {
	int fd;		/* pidfd, signalfd, or -1: step (last resort) */
	bool sigchld;	/* fd is a signalfd and SIGCHLD is blocked */
	sigset_t saved; /* the signal mask to restore */
};

/* BENCH_NO_PIDFD=1 (any value but "" and "0") forces the SIGCHLD path. */
static bool pidfd_allowed(void)
{
	const char *no = getenv("BENCH_NO_PIDFD");

	return !no || !*no || strcmp(no, "0") == 0;
}

/* pidfd_open(2): glibc 2.36 has no wrapper, so the raw system call. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	if (pidfd_allowed())
		return (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	errno = ENOSYS;
	return -1;
}

/* SIGCHLD is blocked first, and only then may the caller check the child:
 * an exit after the check leaves SIGCHLD pending, and the signalfd sees it.
 * (Unblocked again, a pending SIGCHLD is simply discarded: its default
 * action is to be ignored.) */
static void watch_sigchld(struct exit_watch *w)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &w->saved);
	w->sigchld = true;
	w->fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void watch_open(struct exit_watch *w, pid_t pid)
{
	w->sigchld = false;
	w->fd = open_pidfd(pid);
	if (w->fd < 0)
		watch_sigchld(w);
}

/* The pidfd said "exited" but wait4() cannot see it yet.  That happens to a
 * traced child (strace counting a server's system calls): its exit goes to
 * the tracer first, and the parent gets SIGCHLD when the tracer lets go.  A
 * pidfd would now stay readable, so wait for that SIGCHLD instead. */
static void watch_degrade(struct exit_watch *w)
{
	if (w->sigchld)
		return;
	close(w->fd);
	watch_sigchld(w);
}

static void watch_close(struct exit_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->sigchld)
		pthread_sigmask(SIG_SETMASK, &w->saved, NULL);
}

/* Reads whatever is queued on a non-blocking descriptor (signalfd, eventfd,
 * inotify): the news is in the state the caller checks, not in the bytes. */
static void drain(int fd)
{
	uint64_t buf[512];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

enum { WOKE_EXIT = 1, WOKE_NEWS = 2 };

/* Sleeps until w or news (if >= 0) is readable, or for left_s at most; at
 * most step_s if a descriptor is missing.  Returns what woke it (WOKE_*). */
static int sleep_until(struct exit_watch *w, int news, double left_s, double step_s)
{
	struct pollfd p[2] = {{.fd = w->fd, .events = POLLIN}, {.fd = news, .events = POLLIN}};
	int woke = 0, ms;

	if (left_s > step_s)
		left_s = step_s;
	/* Rounded up: waking before the deadline would only loop again. */
	ms = left_s > 1e6 ? 1000000000 : (int)(left_s * 1000.0) + 1;
	if (poll(p, 2, ms) <= 0)
		return 0;
	if (p[0].revents) {
		woke |= WOKE_EXIT;
		if (w->sigchld)
			drain(w->fd);
	}
	if (p[1].revents) {
		woke |= WOKE_NEWS;
		drain(news);
	}
	return woke;
}

/*
 * The tee: one thread per server whose stdout is a pipe.  Only the main
 * thread takes and frees slots; a tee thread touches its own slot's
 * descriptors and eof, and copies only while it holds the slot's lock, so
 * that tee_sync() (main thread) can tell when the log is complete.
 */
struct tee {
	bool used;
	pid_t pid;   /* the child, once forked (-1 if fork failed) */
	char *path;  /* the log it writes */
	int pipe_fd; /* read end of the child's stdout, non-blocking */
	int log_fd;  /* the log, opened (and truncated) by proc_start */
	int wake_fd; /* eventfd, bumped after every copy */
	pthread_t thread;
	pthread_mutex_t lock; /* held while copying */
	bool eof;	      /* every writer has closed the pipe */
};

static struct tee tees[MAX_TEES];

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* disk full: drop the rest, keep draining */
		p += w;
		n -= (size_t)w;
	}
}

/* Copies at most max bytes from the pipe into the log, stopping when the
 * pipe is empty.  Called with t->lock held. */
static void tee_copy(struct tee *t, size_t max)
{
	char buf[16384];
	size_t done = 0;
	uint64_t one = 1;

	while (done < max) {
		size_t want = max - done < sizeof(buf) ? max - done : sizeof(buf);
		ssize_t n = read(t->pipe_fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			t->eof = true;
			break;
		}
		write_all(t->log_fd, buf, (size_t)n);
		done += (size_t)n;
	}
	/* EAGAIN (the counter is full) means a waiter is due to wake anyway. */
	if (done > 0) {
		ssize_t w = write(t->wake_fd, &one, sizeof(one));

		(void)w;
	}
}

static void *tee_main(void *arg)
{
	struct tee *t = arg;
	struct pollfd p = {.fd = t->pipe_fd, .events = POLLIN};
	bool eof = false;

	while (!eof) {
		/* Sleeps until there is output or the last writer has gone. */
		poll(&p, 1, -1);
		pthread_mutex_lock(&t->lock);
		tee_copy(t, TEE_CHUNK);
		eof = t->eof;
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

/* Makes sure all that the child wrote to the pipe so far is in the log: what
 * the tee already read was written under the lock, and the rest is copied
 * here.  Bounded by what the pipe holds now, however fast the child writes. */
static void tee_sync(struct tee *t)
{
	int n = 0;

	pthread_mutex_lock(&t->lock);
	if (!t->eof && ioctl(t->pipe_fd, FIONREAD, &n) == 0 && n > 0)
		tee_copy(t, (size_t)n);
	pthread_mutex_unlock(&t->lock);
}

static bool tee_done(struct tee *t)
{
	bool eof;

	pthread_mutex_lock(&t->lock);
	eof = t->eof;
	pthread_mutex_unlock(&t->lock);
	return eof;
}

/* Frees the slots of tees whose pipe has ended. */
static void tees_sweep(void)
{
	for (int i = 0; i < MAX_TEES; i++) {
		struct tee *t = &tees[i];

		if (!t->used || !tee_done(t))
			continue;
		pthread_join(t->thread, NULL);
		pthread_mutex_destroy(&t->lock);
		close(t->pipe_fd);
		close(t->log_fd);
		close(t->wake_fd);
		free(t->path);
		t->used = false;
	}
}

/* The live tee of pid; writing path too, unless path is NULL. */
static struct tee *tee_find(pid_t pid, const char *path)
{
	for (int i = 0; i < MAX_TEES; i++) {
		struct tee *t = &tees[i];

		if (t->used && t->pid == pid && (!path || strcmp(t->path, path) == 0) &&
		    !tee_done(t))
			return t;
	}
	return NULL;
}

/* Moves fd above 0-2, so that the child's dup2() onto 0, 1 and 2 can never
 * overwrite it (the harness may have been started with one of them closed). */
static int above_stdio(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

/* Starts a tee from a new pipe into log_fd.  Returns its slot, with the
 * pipe's write end for the child in *child_fd, or NULL (no slot, no
 * descriptors, no thread): then the child writes the log itself. */
static struct tee *tee_start(int log_fd, const char *path, int *child_fd)
{
	struct tee *t = NULL;
	int fds[2];
	sigset_t all, saved;

	for (int i = 0; i < MAX_TEES && !t; i++)
		if (!tees[i].used)
			t = &tees[i];
	if (!t || pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->pid = -1;
	t->pipe_fd = fds[0];
	t->log_fd = log_fd;
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*child_fd = above_stdio(fds[1]);
	if (t->wake_fd < 0 || *child_fd < 0 || fcntl(t->pipe_fd, F_SETFL, O_NONBLOCK) < 0 ||
	    pthread_mutex_init(&t->lock, NULL) != 0)
		goto fail;
	/* The thread starts with every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	if (pthread_create(&t->thread, NULL, tee_main, t) != 0) {
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		pthread_mutex_destroy(&t->lock);
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	t->path = sys_strdup(path);
	t->used = true;
	return t;
fail:
	close(fds[0]);
	if (*child_fd >= 0)
		close(*child_fd);
	if (t->wake_fd >= 0)
		close(t->wake_fd);
	*child_fd = -1;
	return NULL;
}

/* Opens a log for the child, created and truncated (as the child always
 * did), close-on-exec and above 0-2; -1 if that fails. */
static int open_log(const char *path)
{
	return above_stdio(
	    open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
}

/* Makes fd the child's descriptor target.  A log that could not be opened
 * (fd < 0) leaves target as it was, as before. */
static void give(int fd, int target)
{
	if (fd >= 0)
		dup2(fd, target); /* the copy is not close-on-exec */
}

/* The child side of proc_start(): never returns.  out and err are its
 * stdout and stderr, opened by the parent. */
static void exec_child(const struct proc_spawn *sp, pid_t parent, int out, int err)
{
	cpu_set_t set;
	sigset_t none;

	if (sp->new_group)
		setpgid(0, 0);
	/* The parent may have died before prctl() took effect: check. */
	if (sp->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(127);
	if (sp->cpus && sys_cpu_set(sp->cpus, &set) > 0 &&
	    sched_setaffinity(0, sizeof(set), &set) < 0)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* stdin: /dev/null opened the way the logs are, as it always was. */
	give(open_log(NULL), STDIN_FILENO);
	give(out, STDOUT_FILENO);
	give(err, STDERR_FILENO);
	execvp(sp->argv[0], sp->argv); /* PATH for a bare name: "ip" (netns servers) */
	dprintf(STDERR_FILENO, "bench: exec %s: %s\n", sp->argv[0], strerror(errno));
	_exit(127);
}

/*
 * The logs are opened here, before fork(), so they are truncated before
 * proc_start() returns and a waiter can never read a previous run's file.
 * stdout goes through a tee when the child dies with the harness (so the
 * tee outlives every writer) and has a log of its own: where stdout and
 * stderr share a file, each keeps its own descriptor on it, as before, and
 * lines on stderr would bypass the tee anyway.
 */
pid_t proc_start(const struct proc_spawn *sp)
{
	pid_t parent = getpid(), pid;
	int log = open_log(sp->out_path), out = log, err = open_log(sp->err_path);
	bool shared = sp->out_path && sp->err_path && strcmp(sp->out_path, sp->err_path) == 0;
	struct tee *t = NULL;

	tees_sweep();
	if (sp->die_with_parent && sp->out_path && !shared && log >= 0)
		t = tee_start(log, sp->out_path, &out);
	if (!t)
		out = log;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_child(sp, parent, out, err);
	/* A lingering tee of an earlier child with this (reused) pid is not
	 * this child's. */
	for (int i = 0; i < MAX_TEES && pid > 0; i++)
		if (tees[i].used && tees[i].pid == pid)
			tees[i].pid = -1;
	if (t)
		t->pid = pid; /* if fork failed, the tee ends as out closes */
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	/* Set the group from both sides so neither can race the other. */
	if (pid > 0 && sp->new_group)
		setpgid(pid, pid);
	return pid;
}

bool proc_alive(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	/* WNOWAIT: look without reaping, so wait4() still gets the rusage. */
	if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return info.si_pid == 0;
}

/* An inotify descriptor that becomes readable when the file at path changes
 * (or, while there is none, its folder); -1 if inotify is unavailable. */
static int watch_file(const char *path)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	const char *slash = strrchr(path, '/');
	char *dir;
	int wd;

	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, path, IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF) >= 0)
		return fd;
	dir = slash ? sys_fmt("%.*s", slash == path ? 1 : (int)(slash - path), path)
		    : sys_strdup(".");
	wd = inotify_add_watch(fd, dir, IN_CREATE | IN_MODIFY | IN_MOVED_TO);
	free(dir);
	if (wd < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads a log line by line from where it stopped last time, keeping the
 * start of the line being read. */
struct line_reader {
	const char *path, *prefix;
	size_t plen;
	int fd;
	off_t off; /* bytes read so far */
	char *cur; /* the first cap bytes of the current line */
	size_t len, cap;
};

static void reader_init(struct line_reader *r, const char *path, const char *prefix, size_t size)
{
	r->path = path;
	r->prefix = prefix;
	r->plen = strlen(prefix);
	r->fd = -1;
	r->off = 0;
	r->len = 0;
	/* Enough for the prefix and for all of the line the caller keeps. */
	r->cap = (r->plen > size ? r->plen : size) + 1;
	r->cur = sys_alloc(r->cap);
}

static void reader_free(struct line_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->cur);
}

/* Looks at what was added to the log since the last look (at most what is
 * there now).  True, with the line copied (without the newline), once a
 * complete line starting with the prefix is found. */
static bool reader_scan(struct line_reader *r, char *line, size_t size)
{
	char buf[16384];
	struct stat st;
	off_t end;

	if (r->fd < 0 && (r->fd = open(r->path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (fstat(r->fd, &st) < 0)
		return false;
	if (st.st_size < r->off)
		r->off = 0, r->len = 0; /* truncated: start again */
	end = st.st_size;
	while (r->off < end) {
		size_t want =
		    end - r->off < (off_t)sizeof(buf) ? (size_t)(end - r->off) : sizeof(buf);
		ssize_t n = pread(r->fd, buf, want, r->off);
		const char *p = buf, *stop = buf + (n > 0 ? n : 0);

		if (n <= 0)
			return false;
		r->off += n;
		while (p < stop) {
			const char *nl = memchr(p, '\n', stop - p);
			size_t k = (size_t)((nl ? nl : stop) - p);
			size_t keep = k < r->cap - r->len ? k : r->cap - r->len;

			memcpy(r->cur + r->len, p, keep);
			r->len += keep;
			if (!nl)
				break; /* still being written */
			if (r->len >= r->plen && memcmp(r->cur, r->prefix, r->plen) == 0) {
				snprintf(line, size, "%.*s", (int)r->len, r->cur);
				return true;
			}
			r->len = 0;
			p = nl + 1;
		}
	}
	return false;
}

int proc_wait_line(const char *path, const char *prefix, char *line, size_t size, pid_t pid,
		   double timeout_s)
{
	double deadline = sys_now() + timeout_s, left, step;
	struct line_reader r;
	struct exit_watch w;
	struct tee *t;
	int news, woke = 0, rc;

	tees_sweep();
	t = tee_find(pid, path);
	/* The tee's eventfd, or inotify for a file the child writes itself. */
	news = t ? t->wake_fd : watch_file(path);
	reader_init(&r, path, prefix, size);
	watch_open(&w, pid);
	for (;;) {
		if (reader_scan(&r, line, size)) {
			rc = 0;
			break;
		}
		if (!proc_alive(pid)) {
			/* What it wrote before it died may still be in the pipe. */
			if (t)
				tee_sync(t);
			rc = reader_scan(&r, line, size) ? 0 : -2;
			break;
		}
		if (woke & WOKE_EXIT && !w.sigchld) {
			watch_degrade(&w);
			woke = 0;
			continue;
		}
		left = deadline - sys_now();
		if (left <= 0) {
			rc = -1;
			break;
		}
		step = news < 0 ? LINE_STEP_S : w.fd < 0 ? EXIT_STEP_S : left;
		woke = sleep_until(&w, news, left, step);
	}
	watch_close(&w);
	if (!t && news >= 0)
		close(news);
	reader_free(&r);
	return rc;
}

int proc_wait(pid_t pid, double timeout_s, int *status, struct rusage *ru)
{
	double deadline = sys_now() + timeout_s, left;
	struct exit_watch w;
	int woke = 0, rc = -1;
	struct tee *t;

	tees_sweep();
	watch_open(&w, pid);
	for (;;) {
		pid_t r = wait4(pid, status, WNOHANG, ru);

		if (r == pid) {
			rc = 0;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (r == 0 && woke & WOKE_EXIT && !w.sigchld) {
			watch_degrade(&w);
			woke = 0;
			continue;
		}
		left = deadline - sys_now();
		if (left <= 0)
			break;
		woke = sleep_until(&w, -1, left, w.fd < 0 ? EXIT_STEP_S : left);
	}
	watch_close(&w);
	/* Its last words (the server's stats line) are in the log on return. */
	if (rc == 0 && (t = tee_find(pid, NULL)))
		tee_sync(t);
	return rc;
}

struct proc_stat {
	pid_t pid;
	char state;
	pid_t pgrp;
	long rss_pages;
};

/* Reads /proc/<pid>/stat.  The command name is in parentheses and may hold
 * spaces, so the fields are counted from the last ')'. */
static int read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	long ppid, pgrp;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %ld %ld", &st->state, &ppid, &pgrp) != 3)
		return -1;
	/* Fields are numbered from 1 and the ')' ends field 2: step over one
	 * space per field until p is the space just before field 24, rss. */
	for (int field = 2; field < 24 && p; field++)
		p = strchr(p + 1, ' ');
	st->pid = pid;
	st->pgrp = (pid_t)pgrp;
	st->rss_pages = p ? atol(p + 1) : 0;
	return 0;
}

/* Calls fn for every process of group pgid; returns how many there were. */
static int for_each_in_group(pid_t pgid, void (*fn)(const struct proc_stat *, void *), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc_stat st;
	int count = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (read_stat(atoi(e->d_name), &st) < 0 || st.pgrp != pgid)
			continue;
		count++;
		if (fn)
			fn(&st, arg);
	}
	closedir(d);
	return count;
}

static void add_rss(const struct proc_stat *st, void *arg)
{
	*(long *)arg += st->rss_pages;
}

long proc_group_rss_kb(pid_t pgid)
{
	long pages = 0;

	for_each_in_group(pgid, add_rss, &pages);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

struct pid_list {
	pid_t *pids;
	int n, max;
};

static void note_pid(const struct proc_stat *st, void *arg)
{
	struct pid_list *l = arg;

	if (st->state != 'Z' && l->n < l->max)
		l->pids[l->n++] = st->pid;
}

int proc_group_pids(pid_t pgid, pid_t *pids, int max)
{
	struct pid_list l = {.pids = pids, .n = 0, .max = max};

	for_each_in_group(pgid, note_pid, &l);
	return l.n;
}

struct leftovers {
	pid_t pids[256];
	int n, alive;
};

static void note_leftover(const struct proc_stat *st, void *arg)
{
	struct leftovers *l = arg;

	if (st->state != 'Z')
		l->alive++;
	if (l->n < 256)
		l->pids[l->n++] = st->pid;
}

static void add_rusage(struct rusage *sum, const struct rusage *ru)
{
	timeradd(&sum->ru_utime, &ru->ru_utime, &sum->ru_utime);
	timeradd(&sum->ru_stime, &ru->ru_stime, &sum->ru_stime);
	if (ru->ru_maxrss > sum->ru_maxrss)
		sum->ru_maxrss = ru->ru_maxrss;
}

int proc_kill_group(pid_t pgid, struct rusage *ru)
{
	struct leftovers l = {.n = 0, .alive = 0};
	struct rusage child;
	struct tee *t;
	int status;

	for_each_in_group(pgid, note_leftover, &l);
	if (l.n > 0)
		kill(-pgid, SIGKILL);
	/* Orphans were re-parented to us (subreaper): reap them, counting
	 * their CPU time with the server's. */
	for (int i = 0; i < l.n; i++)
		if (proc_wait(l.pids[i], 1.0, &status, &child) == 0 && ru)
			add_rusage(ru, &child);
	/* The workers' last output is in the server's log on return. */
	if ((t = tee_find(pgid, NULL)))
		tee_sync(t);
	return l.alive;
}

void proc_reap_orphans(void)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

void proc_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "status 0x%x", status);
}
