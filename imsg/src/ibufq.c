/* SPDX-License-Identifier: ISC */
/*
 * Queues of buffers, linked through ibuf.entry (tqe_next, and tqe_prev
 * pointing at whatever points at the buffer, as TAILQ keeps them).
 */
#include "imsg_private.h"

#include <stdlib.h>

void
imsg__queue_init(struct ibufqueue *q)
{
	q->first = NULL;
	q->last = &q->first;
	q->queued = 0;
}

struct ibufqueue *
ibufq_new(void)
{
	struct ibufqueue *q;

	if ((q = malloc(sizeof(*q))) == NULL)
		return NULL;
	imsg__queue_init(q);
	return q;
}

void
ibufq_free(struct ibufqueue *q)
{
	if (q == NULL)
		return;
	ibufq_flush(q);
	free(q);
}

struct ibuf *
ibufq_pop(struct ibufqueue *q)
{
	struct ibuf *buf;

	if ((buf = q->first) == NULL)
		return NULL;
	q->first = buf->entry.tqe_next;
	if (q->first != NULL)
		q->first->entry.tqe_prev = &q->first;
	else
		q->last = &q->first;
	buf->entry.tqe_next = NULL;
	buf->entry.tqe_prev = NULL;
	q->queued--;
	return buf;
}

void
ibufq_push(struct ibufqueue *q, struct ibuf *buf)
{
	/* A borrowed buffer would be freed with the queue: a bug. */
	if (buf->fd == IMSG__FD_BORROWED)
		abort();
	buf->entry.tqe_next = NULL;
	buf->entry.tqe_prev = q->last;
	*q->last = buf;
	q->last = &buf->entry.tqe_next;
	q->queued++;
}

uint32_t
ibufq_queuelen(struct ibufqueue *q)
{
	return q->queued;
}

void
ibufq_concat(struct ibufqueue *to, struct ibufqueue *from)
{
	if (from->first == NULL)
		return;
	*to->last = from->first;
	from->first->entry.tqe_prev = to->last;
	to->last = from->last;
	to->queued += from->queued;
	imsg__queue_init(from);
}

void
ibufq_flush(struct ibufqueue *q)
{
	struct ibuf *buf;

	while ((buf = ibufq_pop(q)) != NULL)
		ibuf_free(buf);
}
