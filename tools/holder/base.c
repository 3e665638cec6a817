/* SPDX-License-Identifier: ISC */
/* The holder's clock and log (base.h). */
#include "base.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* What a line costs of the rate limit's credit, and the most it holds. */
#define LOG_COST_MS	(1000 / HOLD_LOG_PER_SEC)
#define LOG_CREDIT_MAX	(HOLD_LOG_BURST * LOG_COST_MS)

static struct {
	int deferred;		/* the loop runs: buffer, do not write */
	int dead;		/* stderr is gone: drop every line */
	int is_socket;		/* send() with MSG_DONTWAIT, not write() */
	int64_t credit_ms;	/* the rate limit: a token bucket in ms */
	int64_t credit_at;	/* when credit_ms was last counted */
	unsigned long suppressed;
	size_t len;
	char buf[HOLD_LOG_BUFFER];
} logger;

int64_t
hold_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "fdpass hold: <message>\n" in line, cut to fit; returns its length. */
static size_t
format_line(char *line, size_t size, const char *fmt, va_list ap)
{
	static const char prefix[] = "fdpass hold: ";
	int n;

	memcpy(line, prefix, sizeof prefix - 1);
	n = vsnprintf(line + sizeof prefix - 1, size - sizeof prefix, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > size - sizeof prefix - 1)
		n = (int)(size - sizeof prefix - 1);
	line[sizeof prefix - 1 + (size_t)n] = '\n';
	return sizeof prefix + (size_t)n;
}

/* Before the loop: written at once, as stdio's unbuffered stderr did. */
static void
write_now(const char *line, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDERR_FILENO, line, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		line += n;
		len -= (size_t)n;
	}
}

/* Whether the rate limit lets one more line through now. */
static int
take_credit(void)
{
	int64_t now = hold_now_ms();

	logger.credit_ms += now - logger.credit_at;
	logger.credit_at = now;
	if (logger.credit_ms > LOG_CREDIT_MAX)
		logger.credit_ms = LOG_CREDIT_MAX;
	if (logger.credit_ms < LOG_COST_MS)
		return 0;
	logger.credit_ms -= LOG_COST_MS;
	return 1;
}

static int
append(const char *line, size_t len)
{
	if (logger.dead)
		return 1;
	if (len > sizeof logger.buf - logger.len)
		return 0;
	memcpy(logger.buf + logger.len, line, len);
	logger.len += len;
	return 1;
}

/* The count of lines left out, once there is room to say it. */
static void
append_suppressed(void)
{
	char line[64];
	int n;

	if (logger.suppressed == 0)
		return;
	n = snprintf(line, sizeof line, "fdpass hold: %lu messages "
	    "suppressed\n", logger.suppressed);
	if (n > 0 && (size_t)n < sizeof line && append(line, (size_t)n))
		logger.suppressed = 0;
}

void
hold_log(const char *fmt, ...)
{
	char line[HOLD_LOG_LINE_MAX];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = format_line(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!logger.deferred) {
		write_now(line, len);
		return;
	}
	if (!take_credit()) {
		logger.suppressed++;
		return;
	}
	append_suppressed();
	if (logger.suppressed > 0 || !append(line, len))
		logger.suppressed++;
}

void
hold_log_defer(void)
{
	struct stat st;

	logger.deferred = 1;
	logger.credit_ms = LOG_CREDIT_MAX;
	logger.credit_at = hold_now_ms();
	/* No stderr at all: nothing to write, and descriptor 2 may later
	   be a client's, which must never get the log. */
	if (fstat(STDERR_FILENO, &st) == -1)
		logger.dead = 1;
	else
		logger.is_socket = S_ISSOCK(st.st_mode);
}

int
hold_log_pending(void)
{
	return logger.len > 0 && !logger.dead;
}

/* The first n bytes of the buffer, cut after their last newline. */
static size_t
whole_lines(size_t n)
{
	size_t i;

	for (i = n; i > 0; i--)
		if (logger.buf[i - 1] == '\n')
			return i;
	return n;
}

/*
 * poll() said writable.  A pipe then takes PIPE_BUF bytes without
 * blocking (POSIX: writes of at most PIPE_BUF bytes are atomic, and
 * FreeBSD's and Linux's pipe_poll report POLLOUT only with that much, or a
 * page, free); a socket is sent to with MSG_DONTWAIT, for this call only:
 * O_NONBLOCK would change the file description stderr shares with the
 * processes that started the holder.
 */
void
hold_log_flush(short revents)
{
	size_t n = logger.len < PIPE_BUF ? logger.len : PIPE_BUF;
	ssize_t w;

	if (revents & POLLNVAL) {
		logger.dead = 1;
		return;
	}
	/* Whole lines where they fit, so that no other writer's line
	   lands inside one of ours. */
	if (n < logger.len)
		n = whole_lines(n);
#ifdef MSG_DONTWAIT
	if (logger.is_socket)
		w = send(STDERR_FILENO, logger.buf, n, MSG_DONTWAIT);
	else
#endif
		w = write(STDERR_FILENO, logger.buf, n);
	if (w == -1) {
		/* EPIPE, EIO...: nobody will read what follows. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			logger.dead = 1;
		return;
	}
	memmove(logger.buf, logger.buf + w, logger.len - (size_t)w);
	logger.len -= (size_t)w;
}

void
hold_log_finish(void)
{
	struct pollfd pfd = { STDERR_FILENO, POLLOUT, 0 };
	size_t before;

	if (!logger.deferred)
		return;
	append_suppressed();
	while (hold_log_pending() && poll(&pfd, 1, 0) == 1) {
		before = logger.len;
		hold_log_flush(pfd.revents);
		if (logger.len == before)
			break;
	}
	logger.len = 0;
}
