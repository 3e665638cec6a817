/* SPDX-License-Identifier: ISC */
/*
 * <imsg.h> stands alone as C99 (-pedantic), included before or after
 * <sys/queue.h>, and its struct ibuf has the layout of OpenBSD's, whose
 * link is TAILQ_ENTRY(ibuf): the TAILQ macros work on it.
 */
#ifdef FDPASS_TEST_QUEUE_FIRST
#include <sys/queue.h>
#endif
#include <imsg.h>
#include <imsg.h>	/* twice: the guard holds */
#if defined(FDPASS_TEST_HAVE_SYS_QUEUE_H) && !defined(FDPASS_TEST_QUEUE_FIRST)
#include <sys/queue.h>
#endif

#include <stddef.h>
#include <stdio.h>

#ifdef TAILQ_ENTRY
struct openbsd_ibuf {
	TAILQ_ENTRY(openbsd_ibuf) entry;
	unsigned char	*buf;
	size_t		 size;
	size_t		 max;
	size_t		 wpos;
	size_t		 rpos;
	int		 fd;
};

#define SAME(f) (offsetof(struct ibuf, f) == offsetof(struct openbsd_ibuf, f))
typedef char layout_check[(sizeof(struct ibuf) ==
    sizeof(struct openbsd_ibuf) && SAME(buf) && SAME(size) && SAME(max) &&
    SAME(wpos) && SAME(rpos) && SAME(fd)) ? 1 : -1];

TAILQ_HEAD(ibufs, ibuf);
#endif

int
main(void)
{
	struct imsg_hdr h;
#ifdef TAILQ_ENTRY
	struct ibufs q;
	struct ibuf *a, *b, *it;
	int n = 0;

	TAILQ_INIT(&q);
	if ((a = ibuf_open(1)) == NULL || (b = ibuf_open(1)) == NULL)
		return 1;
	TAILQ_INSERT_TAIL(&q, a, entry);
	TAILQ_INSERT_TAIL(&q, b, entry);
	TAILQ_FOREACH(it, &q, entry)
		n++;
	TAILQ_REMOVE(&q, a, entry);
	if (n != 2 || TAILQ_FIRST(&q) != b)
		return 1;
	ibuf_free(a);
	ibuf_free(b);
	puts("layout and TAILQ macros: ok");
#endif
	if (IMSG_HEADER_SIZE != 16 || sizeof(h) != 16 ||
	    MAX_IMSGSIZE != 16384 || IBUF_READ_SIZE != 65535)
		return 1;
	return 0;
}
