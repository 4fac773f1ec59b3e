/*-------------------------------------------------------------------------
 *
 * session_state.c
 *	  Building, merging, reading out and (de)serializing session states.
 *
 * See session_state.h for the two modes.  In SESSIONS mode events that
 * arrive in time order go straight to the last session (the common case:
 * O(1) per event).  Events that arrive earlier than the last session's start
 * wait in a pending list; when it holds as many entries as there are
 * sessions (at least 64), it is sorted and swept into the session list in
 * one pass.  Memory stays O(sessions) and the cost O(log) per event on any
 * input order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/memutils.h"

#include "session_state.h"

#define PENDING_MIN	64

/* ---------------------------------------------------------------- strings */

static void
str_set(MemoryContext cxt, SessStr *s, const char *p, int32 len)
{
	if (len < 0)
	{
		s->len = -1;
		return;
	}
	if (len > s->cap)
	{
		int32		cap = Max(len, 16);

		if (s->p)
			pfree(s->p);
		s->p = MemoryContextAlloc(cxt, cap);
		s->cap = cap;
	}
	if (len > 0)
		memcpy(s->p, p, len);
	s->len = len;
}

static void
str_free(SessStr *s)
{
	if (s->p)
		pfree(s->p);
	s->p = NULL;
	s->cap = 0;
	s->len = -1;
}

/* Bytewise comparison, NULL after every value (ORDER BY ... NULLS LAST). */
static int
bytes_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c;

	if (alen < 0 || blen < 0)
		return (alen < 0) - (blen < 0);
	c = memcmp(a, b, Min(alen, blen));
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Order of view candidates: (ts, event_id, view name). */
static int
view_cmp(TimestampTz ats, const char *aeid, int32 aeidlen,
		 const char *aview, int32 aviewlen,
		 const SessView *b)
{
	int			c;

	if (ats != b->ts)
		return (ats < b->ts) ? -1 : 1;
	c = bytes_cmp(aeid, aeidlen, b->eid.p, b->eid.len);
	if (c != 0)
		return c;
	return bytes_cmp(aview, aviewlen, b->view.p, b->view.len);
}

static void
view_set(MemoryContext cxt, SessView *v, TimestampTz ts,
		 const char *eid, int32 eidlen, const char *view, int32 viewlen)
{
	v->ts = ts;
	str_set(cxt, &v->eid, eid, eidlen);
	str_set(cxt, &v->view, view, viewlen);
}

/* ------------------------------------------------------------- summaries */

static void
summary_free(SessSummary *s)
{
	str_free(&s->entry.eid);
	str_free(&s->entry.view);
	str_free(&s->exit.eid);
	str_free(&s->exit.view);
}

static void
summary_reset(SessSummary *s)
{
	memset(s, 0, sizeof(*s));
	s->entry.eid.len = s->entry.view.len = -1;
	s->exit.eid.len = s->exit.view.len = -1;
}

static int64
add_engagement(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("session engagement time out of range")));
	return r;
}

/* Start a session summary from one event. */
static void
summary_from_input(MemoryContext cxt, SessSummary *s, const SessInput *in,
				   int32 day)
{
	summary_reset(s);
	s->start = s->end = in->ts;
	s->expiry = sess_add_usec(in->ts, in->timeout_us);
	s->day = day;
	s->events = 1;
	s->engagement_ms = in->engagement_ms;
	if (in->view_len >= 0)
	{
		s->views = 1;
		s->has_views = true;
		view_set(cxt, &s->entry, in->ts, in->eid, in->eid_len, in->view, in->view_len);
		view_set(cxt, &s->exit, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	}
}

/* Add one event to a session it belongs to. */
static void
summary_add_input(MemoryContext cxt, SessSummary *s, const SessInput *in)
{
	TimestampTz exp = sess_add_usec(in->ts, in->timeout_us);

	if (in->ts < s->start)
		s->start = in->ts;
	if (in->ts > s->end)
		s->end = in->ts;
	if (exp > s->expiry)
		s->expiry = exp;
	s->events++;
	s->engagement_ms = add_engagement(s->engagement_ms, in->engagement_ms);
	if (in->view_len >= 0)
	{
		s->views++;
		if (!s->has_views)
		{
			s->has_views = true;
			view_set(cxt, &s->entry, in->ts, in->eid, in->eid_len, in->view, in->view_len);
			view_set(cxt, &s->exit, in->ts, in->eid, in->eid_len, in->view, in->view_len);
			return;
		}
		if (view_cmp(in->ts, in->eid, in->eid_len, in->view, in->view_len, &s->entry) < 0)
			view_set(cxt, &s->entry, in->ts, in->eid, in->eid_len, in->view, in->view_len);
		if (view_cmp(in->ts, in->eid, in->eid_len, in->view, in->view_len, &s->exit) > 0)
			view_set(cxt, &s->exit, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	}
}

/* Absorb session b into session a (b's strings are copied, not taken). */
static void
summary_absorb(MemoryContext cxt, SessSummary *a, const SessSummary *b)
{
	if (b->start < a->start)
		a->start = b->start;
	if (b->end > a->end)
		a->end = b->end;
	if (b->expiry > a->expiry)
		a->expiry = b->expiry;
	a->events += b->events;
	a->views += b->views;
	a->engagement_ms = add_engagement(a->engagement_ms, b->engagement_ms);
	if (!b->has_views)
		return;
	if (!a->has_views ||
		view_cmp(b->entry.ts, b->entry.eid.p, b->entry.eid.len,
				 b->entry.view.p, b->entry.view.len, &a->entry) < 0)
		view_set(cxt, &a->entry, b->entry.ts, b->entry.eid.p, b->entry.eid.len,
				 b->entry.view.p, b->entry.view.len);
	if (!a->has_views ||
		view_cmp(b->exit.ts, b->exit.eid.p, b->exit.eid.len,
				 b->exit.view.p, b->exit.view.len, &a->exit) > 0)
		view_set(cxt, &a->exit, b->exit.ts, b->exit.eid.p, b->exit.eid.len,
				 b->exit.view.p, b->exit.view.len);
	a->has_views = true;
}

/* Deep copy of a summary into cxt. */
static void
summary_copy(MemoryContext cxt, SessSummary *dst, const SessSummary *src)
{
	*dst = *src;
	memset(&dst->entry.eid, 0, sizeof(SessStr));
	memset(&dst->entry.view, 0, sizeof(SessStr));
	memset(&dst->exit.eid, 0, sizeof(SessStr));
	memset(&dst->exit.view, 0, sizeof(SessStr));
	str_set(cxt, &dst->entry.eid, src->entry.eid.p, src->entry.eid.len);
	str_set(cxt, &dst->entry.view, src->entry.view.p, src->entry.view.len);
	str_set(cxt, &dst->exit.eid, src->exit.eid.p, src->exit.eid.len);
	str_set(cxt, &dst->exit.view, src->exit.view.p, src->exit.view.len);
	if (!src->has_views)
		dst->entry.eid.len = dst->entry.view.len =
			dst->exit.eid.len = dst->exit.view.len = -1;
}

bool
sess_engaged(const SessRulesInfo *rules, const SessSummary *s)
{
	return sess_duration_ms(s) > rules->engaged_duration_ms ||
		s->views >= rules->engaged_views;
}

int64
sess_duration_ms(const SessSummary *s)
{
	/* end >= start, both finite: no overflow; whole ms rounded down */
	return (s->end - s->start) / 1000;
}

/* ------------------------------------------------------------------ state */

SessState *
sess_state_create(MemoryContext cxt, const SessRulesInfo *rules)
{
	SessState  *st = MemoryContextAllocZero(cxt, sizeof(SessState));

	st->cxt = cxt;
	st->rules = *rules;
	if (rules->tzname)
	{
		st->rules.tzname = MemoryContextStrdup(cxt, rules->tzname);
		sess_day_cache_init(&st->day, sess_lookup_tz(st->rules.tzname));
	}
	st->ev_sorted = true;
	return st;
}

static int32
state_day(SessState *st, TimestampTz ts)
{
	return st->rules.tzname ? sess_local_day(&st->day, ts) : SESS_NO_DAY;
}

static void
note_timeout(SessRulesInfo *r, int64 timeout_us)
{
	if (r->timeout_us < 0)
		r->timeout_us = timeout_us;
	else if (r->timeout_us != timeout_us)
		r->timeout_mixed = true;
}

static SessSummary *
grow_summaries(MemoryContext cxt, SessSummary *arr, int *cap, int need)
{
	if (need > *cap)
	{
		int			newcap = Max(need, Max(8, *cap * 2));

		if ((Size) newcap * sizeof(SessSummary) > MaxAllocSize)
			newcap = need;
		if ((Size) newcap * sizeof(SessSummary) > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many sessions in one session state")));
		arr = arr ? repalloc(arr, newcap * sizeof(SessSummary))
			: MemoryContextAlloc(cxt, newcap * sizeof(SessSummary));
		*cap = newcap;
	}
	return arr;
}

static int
summary_start_cmp(const void *a, const void *b)
{
	TimestampTz x = ((const SessSummary *) a)->start;
	TimestampTz y = ((const SessSummary *) b)->start;

	return (x > y) - (x < y);
}

/*
 * Sweep the sorted arrays a[] and b[] (each sorted by start) into one fully
 * merged session list.  Items of a[] and b[] are consumed: their strings are
 * either moved into the result or freed.
 */
static SessSummary *
sweep_merge(MemoryContext cxt, SessSummary *a, int na, SessSummary *b, int nb,
			int *nout, int *capout)
{
	SessSummary *out;
	int			cap = 0;
	int			n = 0;
	int			i = 0;
	int			j = 0;

	out = grow_summaries(cxt, NULL, &cap, Max(na + nb, 1));
	while (i < na || j < nb)
	{
		SessSummary *next;

		CHECK_FOR_INTERRUPTS();
		if (j >= nb || (i < na && a[i].start <= b[j].start))
			next = &a[i++];
		else
			next = &b[j++];

		if (n > 0 && sess_joins(out[n - 1].expiry, out[n - 1].day,
								next->start, next->day))
		{
			summary_absorb(cxt, &out[n - 1], next);
			summary_free(next);
		}
		else
			out[n++] = *next;	/* take ownership of the strings */
	}
	*nout = n;
	*capout = cap;
	return out;
}

static void
flush_pending(SessState *st)
{
	SessSummary *merged;
	int			n;
	int			cap;

	if (st->npend == 0)
		return;
	qsort(st->pend, st->npend, sizeof(SessSummary), summary_start_cmp);
	merged = sweep_merge(st->cxt, st->sess, st->nsess, st->pend, st->npend,
						 &n, &cap);
	if (st->sess)
		pfree(st->sess);
	st->sess = merged;
	st->nsess = n;
	st->sesscap = cap;
	st->npend = 0;
}

static void
add_sessions_mode(SessState *st, const SessInput *in)
{
	int32		day = state_day(st, in->ts);

	if (st->nsess > 0 && in->ts >= st->sess[st->nsess - 1].start)
	{
		/*
		 * At or after the start of the last session: nothing to its right can
		 * be affected, whatever else is pending.
		 */
		SessSummary *last = &st->sess[st->nsess - 1];

		if (sess_joins(last->expiry, last->day, in->ts, day))
			summary_add_input(st->cxt, last, in);
		else
		{
			st->sess = grow_summaries(st->cxt, st->sess, &st->sesscap, st->nsess + 1);
			summary_from_input(st->cxt, &st->sess[st->nsess++], in, day);
		}
		return;
	}
	if (st->nsess == 0 && st->npend == 0)
	{
		st->sess = grow_summaries(st->cxt, st->sess, &st->sesscap, 1);
		summary_from_input(st->cxt, &st->sess[st->nsess++], in, day);
		return;
	}
	st->pend = grow_summaries(st->cxt, st->pend, &st->pendcap, st->npend + 1);
	summary_from_input(st->cxt, &st->pend[st->npend++], in, day);
	if (st->npend >= Max(PENDING_MIN, st->nsess))
		flush_pending(st);
}

/* ------------------------------------------------------------ events mode */

static int
event_cmp(const void *a, const void *b)
{
	const SessEventRec *x = (const SessEventRec *) a;
	const SessEventRec *y = (const SessEventRec *) b;
	int			c;

	if (x->ts != y->ts)
		return (x->ts < y->ts) ? -1 : 1;
	if ((c = bytes_cmp(x->eid.p, x->eid.len, y->eid.p, y->eid.len)) != 0)
		return c;
	if ((c = bytes_cmp(x->view.p, x->view.len, y->view.p, y->view.len)) != 0)
		return c;
	if ((c = bytes_cmp(x->key.p, x->key.len, y->key.p, y->key.len)) != 0)
		return c;
	if (x->start_event != y->start_event)
		return x->start_event ? 1 : -1;
	if (x->engagement_ms != y->engagement_ms)
		return (x->engagement_ms < y->engagement_ms) ? -1 : 1;
	if (x->timeout_us != y->timeout_us)
		return (x->timeout_us < y->timeout_us) ? -1 : 1;
	return 0;
}

static void
grow_events(SessState *st, int64 need)
{
	if (need > st->evcap)
	{
		int64		newcap = Max(need, Max(16, st->evcap * 2));

		if ((Size) newcap * sizeof(SessEventRec) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events in one session state")));
		st->ev = st->ev ? repalloc_huge(st->ev, newcap * sizeof(SessEventRec))
			: MemoryContextAllocHuge(st->cxt, newcap * sizeof(SessEventRec));
		st->evcap = newcap;
	}
}

static void
event_copy_in(MemoryContext cxt, SessEventRec *e, const SessInput *in)
{
	memset(e, 0, sizeof(*e));
	e->ts = in->ts;
	e->timeout_us = in->timeout_us;
	e->engagement_ms = in->engagement_ms;
	e->start_event = in->start_event;
	e->eid.len = e->key.len = e->view.len = -1;
	str_set(cxt, &e->eid, in->eid, in->eid_len);
	str_set(cxt, &e->key, in->key, in->key_len);
	str_set(cxt, &e->view, in->view, in->view_len);
}

static void
add_events_mode(SessState *st, const SessInput *in)
{
	SessEventRec *e;

	grow_events(st, st->nev + 1);
	e = &st->ev[st->nev];
	event_copy_in(st->cxt, e, in);
	if (st->nev > 0 && st->ev_sorted && event_cmp(&st->ev[st->nev - 1], e) > 0)
		st->ev_sorted = false;
	st->nev++;
}

void
sess_state_add(SessState *st, const SessInput *in)
{
	note_timeout(&st->rules, in->timeout_us);
	if (st->rules.mode == SESS_MODE_SESSIONS)
		add_sessions_mode(st, in);
	else
		add_events_mode(st, in);
}

void
sess_state_normalize(SessState *st)
{
	if (st->rules.mode == SESS_MODE_SESSIONS)
		flush_pending(st);
	else if (!st->ev_sorted)
	{
		qsort(st->ev, st->nev, sizeof(SessEventRec), event_cmp);
		st->ev_sorted = true;
	}
}

/* ---------------------------------------------------------------- merging */

bool
sess_rules_equal(const SessRulesInfo *a, const SessRulesInfo *b,
				 bool check_timeout)
{
	if (a->mode != b->mode || a->key_rules != b->key_rules ||
		a->max_duration_us != b->max_duration_us ||
		a->engaged_duration_ms != b->engaged_duration_ms ||
		a->engaged_views != b->engaged_views)
		return false;
	if ((a->tzname == NULL) != (b->tzname == NULL) ||
		(a->tzname && strcmp(a->tzname, b->tzname) != 0))
		return false;
	if (check_timeout && !a->timeout_mixed && !b->timeout_mixed &&
		a->timeout_us >= 0 && b->timeout_us >= 0 &&
		a->timeout_us != b->timeout_us)
		return false;
	return true;
}

/*
 * Merge src into dst: the sessions of the union of both event sets.
 * check_timeout: also refuse states whose single timeouts differ (user-level
 * merges); partial states of one aggregate with per-row timeouts may differ.
 */
void
sess_state_merge(SessState *dst, SessState *src, bool check_timeout)
{
	if (!sess_rules_equal(&dst->rules, &src->rules, check_timeout))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge session states built under different rules"),
				 errdetail("Only states built with the same timeout, max_duration, day_boundary, split rules and engagement thresholds can be merged."),
				 errhint("Rebuild one of the states with the rules of the other.")));

	if (src->rules.timeout_us >= 0)
	{
		note_timeout(&dst->rules, src->rules.timeout_us);
		if (src->rules.timeout_mixed)
			dst->rules.timeout_mixed = true;
	}

	if (dst->rules.mode == SESS_MODE_SESSIONS)
	{
		SessSummary *copy;
		SessSummary *merged;
		int			i;
		int			n;
		int			cap;

		flush_pending(dst);
		flush_pending(src);
		if (src->nsess == 0)
			return;
		copy = MemoryContextAlloc(dst->cxt, src->nsess * sizeof(SessSummary));
		for (i = 0; i < src->nsess; i++)
			summary_copy(dst->cxt, &copy[i], &src->sess[i]);
		merged = sweep_merge(dst->cxt, dst->sess, dst->nsess, copy, src->nsess,
							 &n, &cap);
		if (dst->sess)
			pfree(dst->sess);
		pfree(copy);
		dst->sess = merged;
		dst->nsess = n;
		dst->sesscap = cap;
	}
	else
	{
		int64		i;

		grow_events(dst, dst->nev + src->nev);
		for (i = 0; i < src->nev; i++)
		{
			SessEventRec *s = &src->ev[i];
			SessEventRec *d = &dst->ev[dst->nev++];

			CHECK_FOR_INTERRUPTS();
			*d = *s;
			memset(&d->eid, 0, sizeof(SessStr));
			memset(&d->key, 0, sizeof(SessStr));
			memset(&d->view, 0, sizeof(SessStr));
			str_set(dst->cxt, &d->eid, s->eid.p, s->eid.len);
			str_set(dst->cxt, &d->key, s->key.p, s->key.len);
			str_set(dst->cxt, &d->view, s->view.p, s->view.len);
			if (s->eid.len < 0)
				d->eid.len = -1;
			if (s->key.len < 0)
				d->key.len = -1;
			if (s->view.len < 0)
				d->view.len = -1;
		}
		dst->ev_sorted = false;
	}
}

/* --------------------------------------------------------------- read-out */

int64
sess_state_event_count(SessState *st)
{
	int64		n = 0;
	int			i;

	if (st->rules.mode == SESS_MODE_EVENTS)
		return st->nev;
	for (i = 0; i < st->nsess; i++)
		n += st->sess[i].events;
	for (i = 0; i < st->npend; i++)
		n += st->pend[i].events;
	return n;
}

static bool
keys_differ(const SessEventRec *a, const SessEventRec *b)
{
	if (a->key.len < 0 || b->key.len < 0)
		return (a->key.len < 0) != (b->key.len < 0);
	return a->key.len != b->key.len || memcmp(a->key.p, b->key.p, a->key.len) != 0;
}

/*
 * The sessions of a state, in start order, as an array the caller may read
 * (SESSIONS mode: the state's own array; EVENTS mode: derived in the current
 * memory context by running sess_step() over the sorted events).
 */
SessSummary *
sess_state_sessions(SessState *st, int64 *count)
{
	SessSummary *out;
	int			cap = 0;
	int			n = 0;
	int64		i;
	SessTracker tr;

	sess_state_normalize(st);
	if (st->rules.mode == SESS_MODE_SESSIONS)
	{
		int			k;

		for (k = 0; k < st->nsess; k++)
		{
			SessSummary *s = &st->sess[k];

			if (k == 0)
				s->reason = SESS_FIRST;
			else if (s->start > st->sess[k - 1].expiry)
				s->reason = SESS_TIMEOUT;
			else
				s->reason = SESS_DAY;
		}
		*count = st->nsess;
		return st->sess;
	}

	memset(&tr, 0, sizeof(tr));
	out = NULL;
	for (i = 0; i < st->nev; i++)
	{
		SessEventRec *e = &st->ev[i];
		SessEvent	se;
		SessReason	r;
		SessInput	in;

		CHECK_FOR_INTERRUPTS();
		se.ts = e->ts;
		se.timeout_us = e->timeout_us;
		se.max_duration_us = st->rules.max_duration_us;
		se.day = state_day(st, e->ts);
		se.key_changed = (i > 0 && keys_differ(&st->ev[i - 1], e));
		se.start_event = e->start_event;
		r = sess_step(&tr, &se);

		in.ts = e->ts;
		in.timeout_us = e->timeout_us;
		in.engagement_ms = e->engagement_ms;
		in.start_event = e->start_event;
		in.eid = e->eid.p;
		in.eid_len = e->eid.len;
		in.key = e->key.p;
		in.key_len = e->key.len;
		in.view = e->view.p;
		in.view_len = e->view.len;
		if (r != SESS_CONTINUES)
		{
			out = grow_summaries(CurrentMemoryContext, out, &cap, n + 1);
			summary_from_input(CurrentMemoryContext, &out[n], &in, se.day);
			out[n].reason = r;
			n++;
		}
		else
			summary_add_input(CurrentMemoryContext, &out[n - 1], &in);
	}
	*count = n;
	return out;
}

/* ----------------------------------------------------------- binary form */

/*
 * Layout (all integers big-endian):
 *	 "SZST" version:u8 mode:u8 flags:u8
 *	 timeout_us:i64 max_duration_us:i64 engaged_duration_ms:i64
 *	 engaged_views:i32 tzname:str count:i64
 *	 SESSIONS mode, count times:
 *	   start:i64 end:i64 expiry:i64 day:i32 events:i64 views:i64
 *	   engagement_ms:i64 [views > 0: entry and exit, each ts:i64 eid:str view:str]
 *	 EVENTS mode, count times:
 *	   ts:i64 timeout_us:i64 engagement_ms:i64 start_event:u8
 *	   eid:str key:str view:str
 * where str is len:i32 (-1 for NULL) followed by len bytes.
 */
#define SZ_MAGIC		"SZST"
#define SZ_VERSION		1
#define SZ_FLAG_KEY_RULES		0x01
#define SZ_FLAG_TIMEOUT_MIXED	0x02
#define SZ_FLAG_ALL				0x03
#define SZ_HEADER_MIN	(4 + 3 + 8 * 3 + 4 + 4 + 8)
#define SZ_SESSION_MIN	(8 * 3 + 4 + 8 * 3)
#define SZ_EVENT_MIN	(8 * 3 + 1 + 4 * 3)

static void
put_i64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (char *) &n, 8);
}

static void
put_i32(StringInfo buf, int32 v)
{
	uint32		n = pg_hton32((uint32) v);

	appendBinaryStringInfo(buf, (char *) &n, 4);
}

static void
put_u8(StringInfo buf, uint8 v)
{
	appendBinaryStringInfo(buf, (char *) &v, 1);
}

static void
put_str(StringInfo buf, const char *p, int32 len)
{
	put_i32(buf, len < 0 ? -1 : len);
	if (len > 0)
		appendBinaryStringInfo(buf, p, len);
}

bytea *
sess_state_serialize(SessState *st)
{
	StringInfoData buf;
	const SessRulesInfo *r = &st->rules;
	int64		i;
	uint8		flags = 0;

	sess_state_normalize(st);
	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendBinaryStringInfo(&buf, SZ_MAGIC, 4);
	put_u8(&buf, SZ_VERSION);
	put_u8(&buf, (uint8) r->mode);
	if (r->key_rules)
		flags |= SZ_FLAG_KEY_RULES;
	if (r->timeout_mixed)
		flags |= SZ_FLAG_TIMEOUT_MIXED;
	put_u8(&buf, flags);
	put_i64(&buf, r->timeout_us);
	put_i64(&buf, r->max_duration_us);
	put_i64(&buf, r->engaged_duration_ms);
	put_i32(&buf, r->engaged_views);
	put_str(&buf, r->tzname, r->tzname ? (int32) strlen(r->tzname) : -1);

	if (r->mode == SESS_MODE_SESSIONS)
	{
		put_i64(&buf, st->nsess);
		for (i = 0; i < st->nsess; i++)
		{
			SessSummary *s = &st->sess[i];

			put_i64(&buf, s->start);
			put_i64(&buf, s->end);
			put_i64(&buf, s->expiry);
			put_i32(&buf, s->day);
			put_i64(&buf, s->events);
			put_i64(&buf, s->views);
			put_i64(&buf, s->engagement_ms);
			if (s->views > 0)
			{
				put_i64(&buf, s->entry.ts);
				put_str(&buf, s->entry.eid.p, s->entry.eid.len);
				put_str(&buf, s->entry.view.p, s->entry.view.len);
				put_i64(&buf, s->exit.ts);
				put_str(&buf, s->exit.eid.p, s->exit.eid.len);
				put_str(&buf, s->exit.view.p, s->exit.view.len);
			}
		}
	}
	else
	{
		put_i64(&buf, st->nev);
		for (i = 0; i < st->nev; i++)
		{
			SessEventRec *e = &st->ev[i];

			put_i64(&buf, e->ts);
			put_i64(&buf, e->timeout_us);
			put_i64(&buf, e->engagement_ms);
			put_u8(&buf, e->start_event ? 1 : 0);
			put_str(&buf, e->eid.p, e->eid.len);
			put_str(&buf, e->key.p, e->key.len);
			put_str(&buf, e->view.p, e->view.len);
		}
	}
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* Reader with bounds checks: every failure is a corrupt-state error. */
typedef struct Reader
{
	const char *p;
	int			len;
	int			off;
} Reader;

static void pg_attribute_noreturn()
corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid session state"),
			 errdetail("The state is corrupt or not a sessionstate: %s.", what),
			 errhint("Session states come from session_agg() or session_merge(); rebuild it from the events.")));
}

static void
need(Reader *r, int n, const char *what)
{
	if (n < 0 || r->len - r->off < n)
		corrupt(what);
}

static uint8
get_u8(Reader *r, const char *what)
{
	need(r, 1, what);
	return (uint8) r->p[r->off++];
}

static int32
get_i32(Reader *r, const char *what)
{
	uint32		n;

	need(r, 4, what);
	memcpy(&n, r->p + r->off, 4);
	r->off += 4;
	return (int32) pg_ntoh32(n);
}

static int64
get_i64(Reader *r, const char *what)
{
	uint64		n;

	need(r, 8, what);
	memcpy(&n, r->p + r->off, 8);
	r->off += 8;
	return (int64) pg_ntoh64(n);
}

/* A text value: length checked, valid in the database encoding, no NUL. */
static void
get_str(Reader *r, MemoryContext cxt, SessStr *s, bool nullable, const char *what)
{
	int32		len = get_i32(r, what);

	memset(s, 0, sizeof(*s));
	s->len = -1;
	if (len == -1 && nullable)
		return;
	if (len < 0)
		corrupt(what);
	need(r, len, what);
	if (memchr(r->p + r->off, '\0', len) != NULL ||
		!pg_verify_mbstr(GetDatabaseEncoding(), r->p + r->off, len, true))
		corrupt(what);
	str_set(cxt, s, r->p + r->off, len);
	r->off += len;
}

static TimestampTz
get_ts(Reader *r, const char *what)
{
	TimestampTz ts = get_i64(r, what);

	if (TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
		corrupt(what);
	return ts;
}

static void
get_view(Reader *r, MemoryContext cxt, SessView *v, const SessSummary *s,
		 const char *what)
{
	v->ts = get_ts(r, what);
	if (v->ts < s->start || v->ts > s->end)
		corrupt(what);
	get_str(r, cxt, &v->eid, true, what);
	get_str(r, cxt, &v->view, false, what);
}

SessState *
sess_state_deserialize(MemoryContext cxt, const char *data, int len)
{
	Reader		r = {data, len, 0};
	SessRulesInfo rules;
	SessState  *st;
	SessStr		tz;
	uint8		version;
	uint8		mode;
	uint8		flags;
	int64		count;
	int64		i;

	memset(&rules, 0, sizeof(rules));
	need(&r, SZ_HEADER_MIN, "too short");
	if (memcmp(data, SZ_MAGIC, 4) != 0)
		corrupt("bad magic number");
	r.off = 4;
	version = get_u8(&r, "version");
	if (version != SZ_VERSION)
		corrupt("unknown version");
	mode = get_u8(&r, "mode");
	if (mode != SESS_MODE_SESSIONS && mode != SESS_MODE_EVENTS)
		corrupt("unknown mode");
	rules.mode = (SessMode) mode;
	flags = get_u8(&r, "flags");
	if (flags & ~SZ_FLAG_ALL)
		corrupt("unknown flags");
	rules.key_rules = (flags & SZ_FLAG_KEY_RULES) != 0;
	rules.timeout_mixed = (flags & SZ_FLAG_TIMEOUT_MIXED) != 0;
	rules.timeout_us = get_i64(&r, "timeout");
	rules.max_duration_us = get_i64(&r, "max_duration");
	rules.engaged_duration_ms = get_i64(&r, "engaged duration");
	rules.engaged_views = get_i32(&r, "engaged views");
	if (rules.timeout_us < -1 || rules.max_duration_us < -1 ||
		rules.engaged_duration_ms < 0 || rules.engaged_views < 0 ||
		(rules.timeout_mixed && rules.timeout_us < 0))
		corrupt("rules out of range");
	if (rules.key_rules && rules.mode != SESS_MODE_EVENTS)
		corrupt("split rules need an events-mode state");
	if ((rules.max_duration_us != SESS_NO_LIMIT || rules.key_rules) !=
		(rules.mode == SESS_MODE_EVENTS))
		corrupt("mode does not match the rules");
	get_str(&r, CurrentMemoryContext, &tz, true, "time zone");
	if (tz.len >= 0)
	{
		char	   *name = pnstrdup(tz.p, tz.len);

		if (tz.len == 0 || pg_tzset(name) == NULL)
			corrupt("unknown time zone");
		rules.tzname = name;
	}
	count = get_i64(&r, "count");
	if (count < 0 ||
		count > (r.len - r.off) / (mode == SESS_MODE_SESSIONS ? SZ_SESSION_MIN : SZ_EVENT_MIN))
		corrupt("count does not match the size");
	if ((count > 0) != (rules.timeout_us >= 0))
		corrupt("timeout missing");

	st = sess_state_create(cxt, &rules);
	if (mode == SESS_MODE_SESSIONS)
	{
		st->sess = grow_summaries(cxt, NULL, &st->sesscap, Max(count, 1));
		for (i = 0; i < count; i++)
		{
			SessSummary *s = &st->sess[i];

			CHECK_FOR_INTERRUPTS();
			summary_reset(s);
			s->start = get_ts(&r, "session start");
			s->end = get_ts(&r, "session end");
			s->expiry = get_i64(&r, "session expiry");
			s->day = get_i32(&r, "session day");
			s->events = get_i64(&r, "event count");
			s->views = get_i64(&r, "view count");
			s->engagement_ms = get_i64(&r, "engagement");
			if (s->end < s->start || s->expiry < s->end ||
				(!rules.timeout_mixed &&
				 s->expiry != sess_add_usec(s->end, rules.timeout_us)) ||
				s->events < 1 || s->views < 0 || s->views > s->events ||
				s->engagement_ms < 0)
				corrupt("session out of range");
			if (rules.tzname == NULL ? s->day != SESS_NO_DAY
				: (state_day(st, s->start) != s->day ||
				   state_day(st, s->end) != s->day))
				corrupt("session day");
			if (i > 0 && (s->start <= st->sess[i - 1].end ||
						  sess_joins(st->sess[i - 1].expiry, st->sess[i - 1].day,
									 s->start, s->day)))
				corrupt("sessions overlap or are out of order");
			st->nsess = i + 1;	/* so that strings are owned by the state */
			if (s->views > 0)
			{
				s->has_views = true;
				get_view(&r, cxt, &s->entry, s, "entry view");
				get_view(&r, cxt, &s->exit, s, "exit view");
				if (view_cmp(s->entry.ts, s->entry.eid.p, s->entry.eid.len,
							 s->entry.view.p, s->entry.view.len, &s->exit) > 0)
					corrupt("entry view after exit view");
			}
		}
	}
	else
	{
		grow_events(st, Max(count, 1));
		for (i = 0; i < count; i++)
		{
			SessEventRec *e = &st->ev[i];
			uint8		se;

			CHECK_FOR_INTERRUPTS();
			memset(e, 0, sizeof(*e));
			e->ts = get_ts(&r, "event time");
			e->timeout_us = get_i64(&r, "event timeout");
			e->engagement_ms = get_i64(&r, "event engagement");
			se = get_u8(&r, "start flag");
			if (e->timeout_us < 0 || e->engagement_ms < 0 || se > 1)
				corrupt("event out of range");
			e->start_event = (se == 1);
			st->nev = i + 1;
			get_str(&r, cxt, &e->eid, true, "event id");
			get_str(&r, cxt, &e->key, true, "split key");
			get_str(&r, cxt, &e->view, true, "view name");
			if (i > 0 && event_cmp(&st->ev[i - 1], e) > 0)
				corrupt("events out of order");
		}
	}
	if (r.off != r.len)
		corrupt("trailing bytes");
	return st;
}
