/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <pthread.h>

static ssize_t
sendmsg_retrying(int sock, const struct msghdr *mh, int flags)
{
	ssize_t n;

	do
		n = FDPASS__SYSCALL(sendmsg)(sock, mh, flags);
	while (n == -1 && errno == EINTR);
	return n;
}

#if FDPASS__SIGPIPE == FDPASS__SIGPIPE_MSG_NOSIGNAL

ssize_t
fdpass__sendmsg_nosigpipe(const struct fdpass__sockview *v,
    const struct msghdr *mh, int flags)
{
	return sendmsg_retrying(v->fd, mh, flags | FDPASS__SEND_NOSIGNAL);
}

#elif FDPASS__SIGPIPE == FDPASS__SIGPIPE_SO_NOSIGPIPE

static int
set_nosigpipe(int sock)
{
	int one = 1;

	return FDPASS__SYSCALL(setsockopt)(sock, SOL_SOCKET, SO_NOSIGPIPE, &one,
	    sizeof one);
}

/*
 * The option stays set on the socket (xnu sosetopt sets SOF_NOSIGPIPE): a
 * struct fdpass_sock sets it once, at init.  The fd calls set it on every
 * call, since the library keeps no state per descriptor and the caller may
 * have created the socket itself.
 */
ssize_t
fdpass__sendmsg_nosigpipe(const struct fdpass__sockview *v,
    const struct msghdr *mh, int flags)
{
	if (!(v->learned & FDPASS__LEARNED_NOSIGPIPE) &&
	    set_nosigpipe(v->fd) == -1)
		return -1;
	return sendmsg_retrying(v->fd, mh, flags);
}

int
fdpass__nosigpipe_once(int sock, unsigned int *learned)
{
	if (set_nosigpipe(sock) == -1)
		return -1;
	*learned |= FDPASS__LEARNED_NOSIGPIPE;
	return 0;
}

#else /* FDPASS__SIGPIPE_SIGMASK */

static int
sigpipe_pending(void)
{
	sigset_t pending;

	sigemptyset(&pending);
	return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

/*
 * SIGPIPE from a write is sent to the writing thread, so blocking it in this
 * thread alone is enough.  If the call raised one (EPIPE and the signal was
 * not pending before), it is accepted with sigwait before the old mask comes
 * back, so the process never sees it.  Another SIGPIPE that arrives for the
 * process between the two sigpending calls would be consumed too: the
 * window every user-space suppression has on systems without MSG_NOSIGNAL.
 */
ssize_t
fdpass__sendmsg_nosigpipe(const struct fdpass__sockview *v,
    const struct msghdr *mh, int flags)
{
	sigset_t pipe_only, old_mask;
	int was_pending, saved_errno, sig, rc;
	ssize_t n;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	if ((rc = pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask)) != 0) {
		errno = rc;
		return -1;
	}
	was_pending = sigpipe_pending();
	n = sendmsg_retrying(v->fd, mh, flags);
	saved_errno = errno;
	if (n == -1 && saved_errno == EPIPE && !was_pending &&
	    sigpipe_pending())
		(void)sigwait(&pipe_only, &sig);
	(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	errno = saved_errno;
	return n;
}

#endif

#if FDPASS__SIGPIPE != FDPASS__SIGPIPE_SO_NOSIGPIPE
/* Only SO_NOSIGPIPE is per socket: nothing to set once. */
int
fdpass__nosigpipe_once(int sock, unsigned int *learned)
{
	(void)sock;
	(void)learned;
	return 0;
}
#endif
