/* SPDX-License-Identifier: ISC */
/*
 * Closing descriptors the holder does not control: what clients stored,
 * sent with a request or a notify message, and the holder's own copies of
 * them.  Every such close goes through hold_close() (hold.h).
 *
 * close() can block: on the last reference to a TCP socket with SO_LINGER
 * and unsent data, for the linger time (Linux inet_release() and
 * tcp_close(), FreeBSD soclose()); on a FUSE file, for its flush; on a
 * terminal, while output drains.  Anyone who can hand the holder a
 * descriptor could then stop it.  So the poll loop only queues the
 * number, and threads that do nothing else close it, as systemd's
 * asynchronous_close() (src/basic/async.c) hands the close to another
 * task.  A queued number stays open until it is closed, so the kernel
 * cannot give it to anything else meanwhile.  Several threads, so that
 * one close that lingers does not hold up the others (a client waiting
 * for the end of its connection, say).
 *
 * hold_close() still waits for the close, for a moment (CLOSE_WAIT_MS):
 * in the ordinary case, where a close takes microseconds, what the holder
 * closed is closed when hold_close() returns, as if it had closed it
 * itself: a client sees its connection end at once, and whoever counts
 * the holder's descriptors counts what is really open.  The moment counts
 * from when the threads became busy, so that a close that blocks, or a
 * flood of them, costs the loop that long once, not at every close.
 */
#include "hold.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Closes that may block at once before the others wait behind them. */
#define CLOSER_THREADS 4
/* How long hold_close() waits before the close goes on without it. */
#define CLOSE_WAIT_MS 20

static struct {
	size_t started;		/* threads running */
	pthread_t threads[CLOSER_THREADS];
	pthread_mutex_t lock;
	pthread_cond_t work;	/* to the threads: a number, or stop */
	pthread_cond_t idle;	/* from the threads: all idle, or one ended */
	int *queue;		/* a ring of `capacity` numbers */
	size_t capacity, head, count;
	size_t closing;		/* threads in close() */
	size_t ended;		/* threads that returned */
	int stopping;
	int64_t busy_since;	/* when the last idle time ended */
} closer;

static void *
closer_main(void *arg)
{
	int fd;

	(void)arg;
	pthread_mutex_lock(&closer.lock);
	for (;;) {
		while (closer.count == 0 && !closer.stopping)
			pthread_cond_wait(&closer.work, &closer.lock);
		if (closer.count == 0)
			break;
		fd = closer.queue[closer.head];
		closer.head = (closer.head + 1) % closer.capacity;
		closer.count--;
		closer.closing++;
		pthread_mutex_unlock(&closer.lock);
		(void)close(fd);
		pthread_mutex_lock(&closer.lock);
		if (--closer.closing == 0 && closer.count == 0)
			pthread_cond_broadcast(&closer.idle);
	}
	closer.ended++;
	pthread_cond_broadcast(&closer.idle);
	pthread_mutex_unlock(&closer.lock);
	return NULL;
}

int
hold_closer_start(size_t capacity)
{
	sigset_t all, old;
	int rc = 0;

	if ((closer.queue = calloc(capacity, sizeof *closer.queue)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	closer.capacity = capacity;
	if ((rc = pthread_mutex_init(&closer.lock, NULL)) != 0 ||
	    (rc = pthread_cond_init(&closer.work, NULL)) != 0 ||
	    (rc = pthread_cond_init(&closer.idle, NULL)) != 0) {
		errno = rc;
		return -1;
	}
	/* Signals go to the loop's thread, whose poll() they must wake. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (closer.started < CLOSER_THREADS && (rc = pthread_create(
	    &closer.threads[closer.started], NULL, closer_main, NULL)) == 0)
		closer.started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Fewer threads only make a lingering close hold up more. */
	if (closer.started == 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/*
 * Waits on idle until done() or the monotonic deadline.  The condition
 * variable's clock is CLOCK_REALTIME; the bound is kept on the monotonic
 * one, so that a clock step only makes one wait shorter or longer.
 */
static void
wait_idle(int (*done)(void), int64_t deadline)
{
	struct timespec ts;
	int64_t left;

	while (!done() && (left = deadline - hold_now_ms()) > 0) {
		if (left > 100)
			left = 100;
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&closer.idle, &closer.lock, &ts);
	}
}

static int
all_closed(void)
{
	return closer.count == 0 && closer.closing == 0;
}

static int
all_ended(void)
{
	return closer.ended == closer.started;
}

void
hold_close(int fd)
{
	if (fd == -1)
		return;
	if (closer.started) {
		pthread_mutex_lock(&closer.lock);
		if (closer.count < closer.capacity && !closer.stopping) {
			if (closer.count == 0 && closer.closing == 0)
				closer.busy_since = hold_now_ms();
			closer.queue[(closer.head + closer.count) %
			    closer.capacity] = fd;
			closer.count++;
			pthread_cond_signal(&closer.work);
			wait_idle(all_closed, closer.busy_since +
			    CLOSE_WAIT_MS);
			pthread_mutex_unlock(&closer.lock);
			return;
		}
		pthread_mutex_unlock(&closer.lock);
		/* More numbers wait than the holder ever needs open: one
		   close has been stuck a long time.  Closing here may block
		   the loop; keeping the descriptor would leak it. */
		hold_log("the close queue is full: closing descriptor %d "
		    "in the loop", fd);
	}
	(void)close(fd);
}

void
hold_close_all(int *fds, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		hold_close(fds[i]);
	*n = 0;
}

size_t
hold_closer_stop(int wait_ms)
{
	size_t i, left;

	if (closer.started == 0)
		return 0;
	pthread_mutex_lock(&closer.lock);
	closer.stopping = 1;
	pthread_cond_broadcast(&closer.work);
	wait_idle(all_ended, hold_now_ms() + wait_ms);
	left = closer.count + closer.closing;
	pthread_mutex_unlock(&closer.lock);
	if (left > 0) {
		/* A thread is stuck in close(): exit() ends it, and the
		   kernel closes the rest without lingering (Linux
		   inet_release() skips SO_LINGER for an exiting task). */
		hold_log("exiting with %zu descriptor(s) still closing", left);
		return left;
	}
	for (i = 0; i < closer.started; i++)
		pthread_join(closer.threads[i], NULL);
	pthread_cond_destroy(&closer.idle);
	pthread_cond_destroy(&closer.work);
	pthread_mutex_destroy(&closer.lock);
	free(closer.queue);
	memset(&closer, 0, sizeof closer);
	return 0;
}
