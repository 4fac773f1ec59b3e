/*-------------------------------------------------------------------------
 *
 * session_state.c
 *	  Building, merging and reading out session states.
 *
 * See session_state.h for the two modes; the binary form of a state (the
 * session log's records, serialization and the validating reader) is in
 * session_wire.c.
 *
 * In SESSIONS mode events that arrive in time order go straight to the last
 * session (the common case: O(1) per event), completed sessions to the
 * session log.  Events that arrive earlier than the last session's start
 * start a new run in the log (a few runs at most); past that, the state
 * moves its sessions to an array and such events wait in a pending list;
 * when it holds as many entries as there are sessions (at least 4), it is
 * sorted and swept into the session list in one pass.  Memory stays
 * O(sessions) and the cost O(log) per event on any input order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "session_state_private.h"

#define PENDING_MIN	4

/* the aggregates declare SSPACE = 256 */
StaticAssertDecl(sizeof(SessState) <= 256, "SessState grew beyond 256 bytes");

/* ---------------------------------------------------------------- strings */

const char *
sess_view_name(const SessView *v)
{
	return sess_view_eid(v) + Max(v->eid_len, 0);
}

/* Order of view candidates: (ts, event_id, view name). */
static int
view_cmp(TimestampTz ats, const char *aeid, int32 aeidlen,
		 const char *aview, int32 aviewlen, const SessView *b)
{
	int			c;

	if (ats != b->ts)
		return (ats < b->ts) ? -1 : 1;
	c = sess_bytes_cmp(aeid, aeidlen, sess_view_eid(b), b->eid_len);
	if (c != 0)
		return c;
	return sess_bytes_cmp(aview, aviewlen, sess_view_name(b), b->view_len);
}

/* Free what a view candidate owns. */
static inline void
view_release(SessView *v)
{
	if (sess_view_size(v->eid_len, v->view_len) > SESS_VIEW_INLINE)
		pfree(v->b.ext.p);
}

/*
 * Set a view candidate.  `fresh`: v holds nothing yet (a new session's);
 * otherwise it holds a candidate whose allocation, if any, is reused or
 * freed.
 */
void
sess_view_set(MemoryContext cxt, SessView *v, bool fresh, TimestampTz ts,
			  const char *eid, int32 eidlen, const char *view, int32 viewlen)
{
	int32		need = sess_view_size(eidlen, viewlen);
	bool		had_ext = !fresh && sess_view_size(v->eid_len, v->view_len) > SESS_VIEW_INLINE;
	char	   *dst;

	if (need <= SESS_VIEW_INLINE)
	{
		if (had_ext)
			pfree(v->b.ext.p);
		dst = v->b.inl;
	}
	else
	{
		if (had_ext && v->b.ext.cap < need)
		{
			pfree(v->b.ext.p);
			had_ext = false;
		}
		if (!had_ext)
		{
			v->b.ext.p = MemoryContextAlloc(cxt, need);
			v->b.ext.cap = need;
		}
		dst = v->b.ext.p;
	}
	sess_view_fill(v, dst, ts, eid, eidlen, view, viewlen);
}

static void
view_copy(MemoryContext cxt, SessView *dst, bool fresh, const SessView *src)
{
	sess_view_set(cxt, dst, fresh, src->ts, sess_view_eid(src), src->eid_len,
				  sess_view_name(src), src->view_len);
}

static void
str_set(MemoryContext cxt, SessStr *s, const char *p, int32 len)
{
	s->len = len;
	if (len < 0)
		return;
	if (len > s->cap || s->p == NULL)
	{
		int32		cap = Max(len, 8);

		if (s->p)
			pfree(s->p);
		s->p = MemoryContextAlloc(cxt, cap);
		s->cap = cap;
	}
	if (len > 0)
		memcpy(s->p, p, len);
}

/* ------------------------------------------------------------- summaries */

/* a + b for event and view counts of merged sessions; error on overflow. */
static int64
add_count(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("session event count out of range"),
				 errdetail("A merged session would hold more than 2^63 events.")));
	return r;
}

static int64
add_engagement(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("session engagement time out of range"),
				 errdetail("The engagement times of one session add up to more than a bigint holds."),
				 errhint("Check the engagement_ms values: they are milliseconds per event.")));
	return r;
}

/* Free what a session summary owns. */
static void
summary_release(SessSummary *s)
{
	if (s->views > 0)
	{
		view_release(&s->entry);
		view_release(&s->exit);
	}
}

/* The first view of a session: both its entry and its exit. */
static void
summary_first_view(MemoryContext cxt, SessSummary *s, const SessInput *in)
{
	sess_view_set(cxt, &s->entry, true, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	sess_view_set(cxt, &s->exit, true, in->ts, in->eid, in->eid_len, in->view, in->view_len);
}

/* Start a session summary from one event. */
static void
summary_from_input(MemoryContext cxt, SessSummary *s, const SessInput *in,
				   int32 day)
{
	s->start = s->end = in->ts;
	s->expiry = sess_add_usec(in->ts, in->timeout_us);
	s->events = 1;
	s->views = 0;
	s->engagement_ms = in->engagement_ms;
	s->day = day;
	s->reason = SESS_CONTINUES;
	if (in->view_len >= 0)
	{
		s->views = 1;
		summary_first_view(cxt, s, in);
	}
}

/* Add one event to a session it belongs to. */
static inline void
summary_add_input(MemoryContext cxt, SessSummary *s, const SessInput *in)
{
	if (in->ts < s->start)
		s->start = in->ts;
	sess_summary_extend(s, in->ts, in->timeout_us);
	if (in->engagement_ms != 0)
		s->engagement_ms = add_engagement(s->engagement_ms, in->engagement_ms);
	if (in->view_len < 0)
		return;
	if (s->views++ == 0)
	{
		summary_first_view(cxt, s, in);
		return;
	}
	if (view_cmp(in->ts, in->eid, in->eid_len, in->view, in->view_len, &s->exit) > 0)
		sess_view_set(cxt, &s->exit, false, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	else if (view_cmp(in->ts, in->eid, in->eid_len, in->view, in->view_len, &s->entry) < 0)
		sess_view_set(cxt, &s->entry, false, in->ts, in->eid, in->eid_len, in->view, in->view_len);
}

/*
 * Absorb session b into session a; b is consumed (its view candidates are
 * moved into a or freed).
 */
static void
summary_absorb(SessSummary *a, SessSummary *b)
{
	int64		a_views = a->views;
	SessView	tmp;

	if (b->start < a->start)
		a->start = b->start;
	if (b->end > a->end)
		a->end = b->end;
	if (b->expiry > a->expiry)
		a->expiry = b->expiry;
	a->events = add_count(a->events, b->events);
	a->views = add_count(a->views, b->views);
	a->engagement_ms = add_engagement(a->engagement_ms, b->engagement_ms);
	if (b->views == 0)
		return;
	if (a_views == 0)
	{
		a->entry = b->entry;
		a->exit = b->exit;
		return;
	}
	/* the better candidate of each pair goes to a, the other to b to free */
	if (view_cmp(b->entry.ts, sess_view_eid(&b->entry), b->entry.eid_len,
				 sess_view_name(&b->entry), b->entry.view_len, &a->entry) < 0)
	{
		tmp = a->entry;
		a->entry = b->entry;
		b->entry = tmp;
	}
	if (view_cmp(b->exit.ts, sess_view_eid(&b->exit), b->exit.eid_len,
				 sess_view_name(&b->exit), b->exit.view_len, &a->exit) > 0)
	{
		tmp = a->exit;
		a->exit = b->exit;
		b->exit = tmp;
	}
	summary_release(b);
}

/* Deep copy of a summary into cxt. */
static void
summary_copy(MemoryContext cxt, SessSummary *dst, const SessSummary *src)
{
	*dst = *src;
	if (src->views > 0)
	{
		view_copy(cxt, &dst->entry, true, &src->entry);
		view_copy(cxt, &dst->exit, true, &src->exit);
	}
}

bool
sess_engaged(const SessRules *rules, const SessSummary *s)
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

/* ------------------------------------------------------------------ rules */

SessRules *
sess_rules_copy(MemoryContext cxt, const SessRules *r)
{
	SessRules  *c = MemoryContextAlloc(cxt, sizeof(SessRules));

	*c = *r;
	if (r->tzname)
	{
		c->tzname = MemoryContextStrdup(cxt, r->tzname);
		sess_day_cache_init(&c->day, sess_lookup_tz(c->tzname));
	}
	return c;
}

bool
sess_rules_equal(const SessRules *a, const SessRules *b)
{
	if (a == b)
		return true;
	if (a->mode != b->mode || a->key_rules != b->key_rules ||
		a->max_duration_us != b->max_duration_us ||
		a->engaged_duration_ms != b->engaged_duration_ms ||
		a->engaged_views != b->engaged_views)
		return false;
	if ((a->tzname == NULL) != (b->tzname == NULL) ||
		(a->tzname && strcmp(a->tzname, b->tzname) != 0))
		return false;
	return true;
}

static inline int32
rules_day(SessRules *r, TimestampTz ts)
{
	return r->tzname ? sess_local_day(&r->day, ts) : SESS_NO_DAY;
}

/* ------------------------------------------------------------------ state */

SessState *
sess_state_create(MemoryContext cxt, SessRules *rules)
{
	SessState  *st = MemoryContextAllocZero(cxt, sizeof(SessState));

	st->rules = rules;
	st->cxt = cxt;
	st->timeout_us = -1;
	st->ev_sorted = true;
	return st;
}

/* Let a new SESSIONS-mode state put its completed sessions in log. */
void
sess_state_use_log(SessState *st, SessLog *log)
{
	Assert(st->rules->mode == SESS_MODE_SESSIONS && st->nsess == 0);
	st->use_log = true;
	st->runs = 1;
	st->u.l.log = log;
	st->u.l.head = NULL;
	st->u.l.bytes = 0;
}

static int	summary_start_cmp(const void *a, const void *b);
static void merge_sorted(SessState *st, SessSummary *b, int32 nb);

/*
 * Move the sessions of a state's log records to its session array, for the
 * operations that need them there (merges, reading out a state of several
 * runs, events out of order beyond what runs absorb).  Several runs are
 * merged into one (merge_sorted() into the emptied state).  The records stay
 * in the log, unused, until its context is reset.
 */
void
sess_unlog(SessState *st)
{
	SessLogRec *rec;
	SessSummary *all;
	int32		i;
	int32		nsess = st->nsess;

	if (!st->use_log)
		return;
	rec = st->u.l.head;
	st->use_log = false;
	memset(&st->u, 0, sizeof(st->u));
	if (nsess <= 1)
		return;
	sess_reserve_sessions(st, nsess);
	for (i = nsess - 2; i >= 0; i--)
	{
		CHECK_FOR_INTERRUPTS();
		Assert(rec != NULL);
		sess_log_read(rec, st->cxt, &st->sess[i]);
		rec = rec->prev;
	}
	Assert(rec == NULL);
	if (st->runs <= 1)
		return;

	/*
	 * Several runs: all the sessions, `last` included, sorted by start and
	 * merged into the state emptied of them.
	 */
	all = st->sess;
	all[nsess - 1] = st->last;
	st->sess = NULL;
	st->sesscap = 0;
	st->nsess = 0;
	st->runs = 1;
	qsort(all, nsess, sizeof(SessSummary), summary_start_cmp);
	merge_sorted(st, all, nsess);
	pfree(all);
}

/*
 * Room for at least n sessions before `last`, in allocator-sized steps (a
 * hash aggregate holds one state per user).
 */
void
sess_reserve_sessions(SessState *st, int64 n)
{
	Size		size = 512;

	if (n <= st->sesscap)
		return;
	if (n > (int64) (MaxAllocSize / sizeof(SessSummary)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many sessions in one session state")));
	n = Max(n, Min((int64) st->sesscap * 2, (int64) (MaxAllocSize / sizeof(SessSummary))));
	while (size < n * sizeof(SessSummary) && size < 8192)
		size *= 2;
	if (size < n * sizeof(SessSummary))
		size = n * sizeof(SessSummary);
	st->sess = st->sess ? repalloc(st->sess, size) : MemoryContextAlloc(st->cxt, size);
	st->sesscap = (int32) (size / sizeof(SessSummary));
}

/*
 * Record an event's timeout.  A state keeps the smallest, which does not
 * depend on the order of the events; a state built with a constant timeout
 * only ever sees one value (should it see two, it counts as per-row).
 */
static void
note_timeout(SessState *st, int64 timeout_us)
{
	if (st->timeout_us >= 0 && st->timeout_us != timeout_us)
		st->timeout_per_row = true;
	if (st->timeout_us < 0 || timeout_us < st->timeout_us)
		st->timeout_us = timeout_us;
}

static int
summary_start_cmp(const void *a, const void *b)
{
	TimestampTz x = ((const SessSummary *) a)->start;
	TimestampTz y = ((const SessSummary *) b)->start;

	return (x > y) - (x < y);
}

/* A new latest session: `last` moves to the array. */
SessSummary *
sess_push_session(SessState *st)
{
	if (st->use_log)
	{
		/* no more than a session array could hold, as everywhere */
		if (st->nsess > (int32) (MaxAllocSize / sizeof(SessSummary)))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many sessions in one session state")));
		if (st->nsess > 0)
		{
			SessLogRec *rec = sess_log_append(st->u.l.log, st->u.l.head, &st->last);

			summary_release(&st->last);
			st->u.l.head = rec;
			st->u.l.bytes += rec->len;
		}
	}
	else if (st->nsess > 0)
	{
		sess_reserve_sessions(st, st->nsess);
		st->sess[st->nsess - 1] = st->last;
	}
	st->nsess++;
	return &st->last;
}

/*
 * Merge the sessions b[0 .. nb - 1], sorted by start (they may overlap),
 * into the state's sessions; b's view candidates are moved or freed.  The
 * two sorted runs are swept in start order, each session joining the one
 * before it when sess_joins() says so.  For that, all the state's sessions
 * go to the array first (`last` too), shifted to its end, and the result is
 * written from its front: the write position never passes the read
 * position, since every session written consumed at least one input.  The
 * latest session then goes back to `last`.  The header does not move.
 */
static void
merge_sorted(SessState *st, SessSummary *b, int32 nb)
{
	int32		nsess = st->nsess;
	int32		n = 0;
	int32		i = 0;
	int32		j = 0;
	SessSummary *a;

	if (nb == 0)
		return;
	sess_unlog(st);
	if (nsess == 0 || b[0].start >= st->last.start)
	{
		/*
		 * All of b starts at or after the last session (as when partial
		 * states of consecutive parts of a table are combined): the sweep
		 * below would keep the earlier sessions as they are, so extend or
		 * follow `last` in place.
		 */
		for (j = 0; j < nb; j++)
		{
			CHECK_FOR_INTERRUPTS();
			if (st->nsess > 0 && sess_joins(st->last.expiry, st->last.day,
											b[j].start, b[j].day))
				summary_absorb(&st->last, &b[j]);
			else
				*sess_push_session(st) = b[j];	/* takes the views */
		}
		return;
	}
	sess_reserve_sessions(st, (int64) nsess + nb);
	if (nsess > 0)
		st->sess[nsess - 1] = st->last;
	a = st->sess + nb;
	memmove(a, st->sess, (uint32) nsess * sizeof(SessSummary));	/* nsess > 0 */
	while (i < nsess || j < nb)
	{
		SessSummary next;

		CHECK_FOR_INTERRUPTS();
		if (j >= nb || (i < nsess && a[i].start <= b[j].start))
			next = a[i++];
		else
			next = b[j++];

		if (n > 0 && sess_joins(st->sess[n - 1].expiry, st->sess[n - 1].day,
								next.start, next.day))
			summary_absorb(&st->sess[n - 1], &next);
		else
			st->sess[n++] = next;	/* takes the views */
	}
	st->last = st->sess[n - 1];
	st->nsess = n;
}

/* Sweep the pending sessions in. */
static void
flush_pending(SessState *st)
{
	int32		i;

	if (st->npend == 0)
		return;
	for (i = 1; i < st->npend; i++)
		if (st->pend[i - 1].start > st->pend[i].start)
			break;
	if (i < st->npend)			/* merged states arrive sorted: skip the sort */
		qsort(st->pend, st->npend, sizeof(SessSummary), summary_start_cmp);
	merge_sorted(st, st->pend, st->npend);
	st->npend = 0;
}

static void
add_sessions_mode(SessState *st, const SessInput *in)
{
	int32		day = rules_day(st->rules, in->ts);

	if (st->nsess > 0 && in->ts >= st->last.start)
	{
		/*
		 * At or after the start of the last session: nothing to its right can
		 * be affected, whatever else is pending.
		 */
		if (sess_joins(st->last.expiry, st->last.day, in->ts, day))
			summary_add_input(st->cxt, &st->last, in);
		else
			summary_from_input(st->cxt, sess_push_session(st), in, day);
		return;
	}
	if (st->nsess == 0 && st->npend == 0)
	{
		summary_from_input(st->cxt, sess_push_session(st), in, day);
		return;
	}
	if (st->use_log)
	{
		TimestampTz hstart;
		TimestampTz hend;
		TimestampTz hexp;
		int32		hday;

		/*
		 * Before the last session's start.  An event that joins the last
		 * session but not the one before it (in the log) extends it
		 * backwards: jitter in otherwise ordered input.  Otherwise the event
		 * starts a new run: the state is then the union of runs, each built
		 * in order as if it were a state of its own, merged when read.  A
		 * scan that starts in the middle of a table (synchronized scans)
		 * gives every user two runs.  Past SESS_MAX_RUNS the state moves to its
		 * array and the pending list.
		 */
		if (sess_joins(sess_add_usec(in->ts, in->timeout_us), day,
					   st->last.start, st->last.day))
		{
			/*
			 * (no record, or the latest one ends an earlier run: `last` is
			 * then the only session of its run, which may grow either way)
			 */
			if (st->u.l.head == NULL || st->u.l.head->run_end)
			{
				summary_add_input(st->cxt, &st->last, in);
				return;
			}
			sess_log_session_bounds(st, st->u.l.head, &hstart, &hend, &hexp, &hday);
			if (!sess_joins(hexp, hday, in->ts, day))
			{
				summary_add_input(st->cxt, &st->last, in);
				return;
			}
		}
		if (st->runs < SESS_MAX_RUNS)
		{
			SessSummary *d = sess_push_session(st);

			st->runs++;
			st->u.l.head->run_end = true;
			summary_from_input(st->cxt, d, in, day);
			return;
		}
	}
	sess_unlog(st);
	if (st->npend >= st->pendcap)
	{
		int32		cap = Max(PENDING_MIN, st->pendcap * 2);

		st->pend = st->pend ? repalloc(st->pend, cap * sizeof(SessSummary))
			: MemoryContextAlloc(st->cxt, cap * sizeof(SessSummary));
		st->pendcap = cap;
	}
	summary_from_input(st->cxt, &st->pend[st->npend++], in, day);
	if (st->npend >= Max(PENDING_MIN, st->nsess))
		flush_pending(st);
}

/* ------------------------------------------------------------ events mode */

int
sess_event_cmp(const void *a, const void *b)
{
	const SessEventRec *x = (const SessEventRec *) a;
	const SessEventRec *y = (const SessEventRec *) b;
	int			c;

	if (x->ts != y->ts)
		return (x->ts < y->ts) ? -1 : 1;
	if ((c = sess_bytes_cmp(x->eid.p, x->eid.len, y->eid.p, y->eid.len)) != 0)
		return c;
	if ((c = sess_bytes_cmp(x->view.p, x->view.len, y->view.p, y->view.len)) != 0)
		return c;
	if ((c = sess_bytes_cmp(x->key.p, x->key.len, y->key.p, y->key.len)) != 0)
		return c;
	if (x->start_event != y->start_event)
		return x->start_event ? 1 : -1;
	if (x->engagement_ms != y->engagement_ms)
		return (x->engagement_ms < y->engagement_ms) ? -1 : 1;
	if (x->timeout_us != y->timeout_us)
		return (x->timeout_us < y->timeout_us) ? -1 : 1;
	return 0;
}

/*
 * Room for need events.  States that events are added to are limited to
 * SESS_MAX_STATE_EVENTS; a stored state is read whatever its size (limited:
 * false), since every state once written stays readable.
 */
void
sess_grow_events(SessState *st, int64 need, bool limited)
{
	if (need > st->u.e.evcap)
	{
		int64		newcap = Max(need, Max(16, st->u.e.evcap * 2));

		if (limited && need > SESS_MAX_STATE_EVENTS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events in one session state"),
					 errdetail("Under max_duration, split_key or start_event rules a state keeps every event, and one state holds at most %d.",
							   SESS_MAX_STATE_EVENTS),
					 errhint("Partition by a finer key, or leave those rules out: under timeout and day rules a state keeps one summary per session.")));
		if (limited)
			newcap = Min(newcap, SESS_MAX_STATE_EVENTS);
		if ((Size) newcap * sizeof(SessEventRec) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many events in one session state")));
		st->u.e.ev = st->u.e.ev ? repalloc_huge(st->u.e.ev, newcap * sizeof(SessEventRec))
			: MemoryContextAllocHuge(st->cxt, newcap * sizeof(SessEventRec));
		st->u.e.evcap = newcap;
	}
}

void
sess_event_set(MemoryContext cxt, SessEventRec *e, TimestampTz ts,
			   int64 timeout_us, int64 engagement_ms, bool start_event,
			   const char *eid, int32 eidlen, const char *key, int32 keylen,
			   const char *view, int32 viewlen)
{
	memset(e, 0, sizeof(*e));
	e->ts = ts;
	e->timeout_us = timeout_us;
	e->engagement_ms = engagement_ms;
	e->start_event = start_event;
	str_set(cxt, &e->eid, eid, eidlen);
	str_set(cxt, &e->key, key, keylen);
	str_set(cxt, &e->view, view, viewlen);
}

static void
add_events_mode(SessState *st, const SessInput *in)
{
	SessEventRec *e;

	sess_grow_events(st, st->u.e.nev + 1, true);
	e = &st->u.e.ev[st->u.e.nev];
	sess_event_set(st->cxt, e, in->ts, in->timeout_us, in->engagement_ms,
			  in->start_event, in->eid, in->eid_len, in->key, in->key_len,
			  in->view, in->view_len);
	if (st->u.e.nev > 0 && st->ev_sorted && sess_event_cmp(&st->u.e.ev[st->u.e.nev - 1], e) > 0)
		st->ev_sorted = false;
	st->u.e.nev++;
}

void
sess_state_add(SessState *st, const SessInput *in)
{
	note_timeout(st, in->timeout_us);
	if (st->rules->mode == SESS_MODE_SESSIONS)
		add_sessions_mode(st, in);
	else
		add_events_mode(st, in);
}

/*
 * Put a state in its canonical form, without changing its meaning: pending
 * sessions swept in, events sorted.  Neither moves the state, so final and
 * serialize functions may do it while the aggregate goes on (window
 * aggregates).
 */
void
sess_state_normalize(SessState *st)
{
	if (st->rules->mode == SESS_MODE_SESSIONS)
	{
		if (st->use_log && st->runs > 1)
			sess_unlog(st);
		flush_pending(st);
	}
	else if (!st->ev_sorted)
	{
		qsort(st->u.e.ev, st->u.e.nev, sizeof(SessEventRec), sess_event_cmp);
		st->ev_sorted = true;
	}
}

/* ---------------------------------------------------------------- merging */

/*
 * Merge src into dst: the sessions of the union of both event sets.
 *
 * check_timeout: also refuse states whose single timeouts differ (user-level
 * merges); partial states of one aggregate with per-row timeouts may
 * legitimately differ.  consume: src lives in dst's memory context and
 * nobody else refers to it, so its sessions or events are moved rather than
 * copied, and it is freed; otherwise src is left as it was.
 */
void
sess_state_merge(SessState *dst, SessState *src, bool check_timeout,
				 bool consume)
{
	if (!sess_rules_equal(dst->rules, src->rules) ||
		(check_timeout && !dst->timeout_per_row && !src->timeout_per_row &&
		 dst->timeout_us >= 0 && src->timeout_us >= 0 &&
		 dst->timeout_us != src->timeout_us))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge session states built under different rules"),
				 errdetail("Only states built with the same timeout, max_duration, day_boundary, split rules and engagement thresholds can be merged."),
				 errhint("Rebuild one of the states with the rules of the other.")));
	Assert(!consume || src->cxt == dst->cxt);
	sess_unlog(dst);
	sess_unlog(src);

	if (src->timeout_per_row)
		dst->timeout_per_row = true;
	if (src->timeout_us >= 0)
		note_timeout(dst, src->timeout_us);

	if (dst->rules->mode == SESS_MODE_SESSIONS)
	{
		SessSummary *b;
		int32		i;

		/*
		 * src's sessions, sorted, in one array: src's own (with `last` moved
		 * in, unless it is the only one) when it may be consumed, else a
		 * copy.  Either way they are
		 * merged straight into dst's sessions (dst's pending list, if any,
		 * stays pending).
		 */
		if (consume)
		{
			flush_pending(src);
			if (src->nsess <= 1)
				b = &src->last;	/* the only session, if any */
			else
			{
				sess_reserve_sessions(src, src->nsess);
				src->sess[src->nsess - 1] = src->last;
				b = src->sess;
			}
			merge_sorted(dst, b, src->nsess);
			if (src->sess)
				pfree(src->sess);
			if (src->pend)
				pfree(src->pend);
			pfree(src);
		}
		else
		{
			int32		nb = src->nsess + src->npend;

			b = palloc(Max(nb, 1) * sizeof(SessSummary));
			for (i = 0; i < nb; i++)
				summary_copy(dst->cxt, &b[i], (i < src->nsess) ? sess_state_session(src, i)
							 : &src->pend[i - src->nsess]);
			if (src->npend > 0)
				qsort(b, nb, sizeof(SessSummary), summary_start_cmp);
			merge_sorted(dst, b, nb);
			pfree(b);
		}
	}
	else
	{
		int64		i;

		sess_grow_events(dst, dst->u.e.nev + src->u.e.nev, true);
		for (i = 0; i < src->u.e.nev; i++)
		{
			SessEventRec *e = &src->u.e.ev[i];

			CHECK_FOR_INTERRUPTS();
			if (consume)
				dst->u.e.ev[dst->u.e.nev++] = *e;
			else
				sess_event_set(dst->cxt, &dst->u.e.ev[dst->u.e.nev++], e->ts,
							   e->timeout_us, e->engagement_ms, e->start_event,
							   e->eid.p, e->eid.len, e->key.p, e->key.len,
							   e->view.p, e->view.len);
		}
		dst->ev_sorted = (src->u.e.nev == 0 && dst->ev_sorted);
		if (consume)
		{
			if (src->u.e.ev)
				pfree(src->u.e.ev);
			pfree(src);
		}
	}
}

/* --------------------------------------------------------------- read-out */

static bool
keys_differ(const SessEventRec *a, const SessEventRec *b)
{
	if (a->key.len < 0 || b->key.len < 0)
		return (a->key.len < 0) != (b->key.len < 0);
	return a->key.len != b->key.len ||
		(a->key.len > 0 && memcmp(a->key.p, b->key.p, a->key.len) != 0);
}

/*
 * The sessions of an EVENTS-mode state, in start order, derived in the
 * current memory context by running sess_step() over the sorted events.
 */
SessSummary *
sess_state_sessions(SessState *st, int64 *count)
{
	SessSummary *out = NULL;
	int64		cap = 0;
	int64		n = 0;
	int64		i;
	SessTracker tr;
	int32		day;
	int32		prev_day = SESS_NO_DAY;

	Assert(st->rules->mode == SESS_MODE_EVENTS);
	sess_state_normalize(st);
	memset(&tr, 0, sizeof(tr));
	for (i = 0; i < st->u.e.nev; i++)
	{
		SessEventRec *e = &st->u.e.ev[i];
		SessEvent	se;
		SessReason	r;
		SessInput	in;

		CHECK_FOR_INTERRUPTS();
		se.ts = e->ts;
		se.timeout_us = e->timeout_us;
		se.max_duration_us = st->rules->max_duration_us;
		day = rules_day(st->rules, e->ts);
		se.day_changed = (i > 0 && day != prev_day);
		prev_day = day;
		se.key_changed = (i > 0 && keys_differ(&st->u.e.ev[i - 1], e));
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
			if (n >= cap)
			{
				cap = Max(16, cap * 2);
				if ((Size) cap * sizeof(SessSummary) > MaxAllocHugeSize)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("too many sessions in one session state")));
				out = out ? repalloc_huge(out, cap * sizeof(SessSummary))
					: palloc_extended(cap * sizeof(SessSummary), MCXT_ALLOC_HUGE);
			}
			summary_from_input(CurrentMemoryContext, &out[n], &in, day);
			out[n].reason = r;
			n++;
		}
		else
			summary_add_input(CurrentMemoryContext, &out[n - 1], &in);
	}
	*count = n;
	return out;
}
