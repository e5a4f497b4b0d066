// SPDX-License-Identifier: MIT
#include <pthread.h>

#include "sl/pipeline.h"

struct sl_pipeline {
	struct sl_ledger *l;
	sl_receipts_fn fn;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sl_batch work;    /* owned by the writer while busy */
	struct sl_receipt *rc;
	size_t rc_alloc;
	int busy, stop, err_code;
	struct sl_error err;
};

static void *writer(void *arg)
{
	struct sl_pipeline *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct sl_error err = { 0 };
		int e = 0;

		while (!p->busy && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->busy)
			break;
		pthread_mutex_unlock(&p->mu);
		if (p->work.n > p->rc_alloc) {
			struct sl_receipt *n = realloc(p->rc, p->work.n * sizeof(*n));
			if (!n)
				e = sl_error_set(&err, SL_ENOMEM, "out of memory");
			else
				p->rc = n, p->rc_alloc = p->work.n;
		}
		if (e == 0 && (e = sl_ledger_append(p->l, &p->work, p->rc, &err)) == 0)
			p->fn(p->ctx, &p->work, p->rc);
		pthread_mutex_lock(&p->mu);
		if (e < 0 && !p->err_code) {
			p->err_code = e;
			p->err = err;
			if (!p->err.code)
				p->err.code = e;
		}
		p->busy = 0;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int sl_pipeline_start(struct sl_pipeline **out, struct sl_ledger *l, sl_receipts_fn fn, void *ctx)
{
	struct sl_pipeline *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return SL_ENOMEM;
	p->l = l;
	p->fn = fn;
	p->ctx = ctx;
	sl_batch_init(&p->work);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, writer, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p);
		return SL_ENOMEM;
	}
	*out = p;
	return 0;
}

/* Wait until the writer is idle; returns its pending error (and clears it). */
static int wait_idle(struct sl_pipeline *p, struct sl_error *err)
{
	int e;

	while (p->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	e = p->err_code;
	if (e && err)
		*err = p->err;
	return e;
}

int sl_pipeline_submit(struct sl_pipeline *p, struct sl_batch *b, struct sl_error *err)
{
	struct sl_batch tmp;
	int e;

	pthread_mutex_lock(&p->mu);
	if ((e = wait_idle(p, err)) == 0 && b->n) {
		/* Swap: the writer takes the full batch, the caller gets the old buffers. */
		sl_batch_reset(&p->work);
		tmp = p->work;
		p->work = *b;
		*b = tmp;
		p->busy = 1;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return e;
}

int sl_pipeline_wait(struct sl_pipeline *p, struct sl_error *err)
{
	int e;

	pthread_mutex_lock(&p->mu);
	e = wait_idle(p, err);
	pthread_mutex_unlock(&p->mu);
	return e;
}

int sl_pipeline_finish(struct sl_pipeline *p, struct sl_error *err)
{
	int e;

	pthread_mutex_lock(&p->mu);
	e = wait_idle(p, err);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	sl_batch_release(&p->work);
	free(p->rc);
	free(p);
	return e;
}
