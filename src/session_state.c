/*-------------------------------------------------------------------------
 *
 * session_state.c
 *	  Building, merging, reading out and (de)serializing session states.
 *
 * See session_state.h for the two modes.  In SESSIONS mode events that
 * arrive in time order go straight to the last session (the common case:
 * O(1) per event), completed sessions to the session log.  Events that
 * arrive earlier than the last session's start start a new run in the log
 * (a few runs at most); past that, the state moves its sessions to an array
 * and such events wait in a pending list; when it holds as many entries as
 * there are sessions (at least 4), it is sorted and swept into the session
 * list in one pass.  Memory stays O(sessions) and the cost O(log) per event
 * on any input order.
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

#define PENDING_MIN	4

/* Most runs a state in the log holds before it moves to its array. */
#define MAX_RUNS	4

/* blocks of the session log: the first small (sorted aggregation resets
 * the context for every group), then doubling */
#define LOG_BLOCK_MIN	512
#define LOG_BLOCK_MAX	(1024 * 1024)
/* the aggregates declare SSPACE = 256 */
StaticAssertDecl(sizeof(SessState) <= 256, "SessState grew beyond 256 bytes");

static Size session_wire_size(const SessSummary *s);
static char *write_session(char *p, const SessSummary *s);

/* ---------------------------------------------------------------- strings */

/* Bytewise comparison, NULL after every value (ORDER BY ... NULLS LAST). */
static int
bytes_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c;

	if (alen < 0 || blen < 0)
		return (alen < 0) - (blen < 0);
	c = (Min(alen, blen) > 0) ? memcmp(a, b, Min(alen, blen)) : 0;
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Where a view candidate's bytes are: inline or in their own allocation. */
static inline const char *
view_bytes(const SessView *v)
{
	return (sess_view_size(v->eid_len, v->view_len) <= SESS_VIEW_INLINE)
		? v->b.inl : v->b.ext.p;
}

static inline const char *
view_eid(const SessView *v)
{
	return view_bytes(v);
}

const char *
sess_view_name(const SessView *v)
{
	return view_bytes(v) + Max(v->eid_len, 0);
}

/* Order of view candidates: (ts, event_id, view name). */
static int
view_cmp(TimestampTz ats, const char *aeid, int32 aeidlen,
		 const char *aview, int32 aviewlen, const SessView *b)
{
	int			c;

	if (ats != b->ts)
		return (ats < b->ts) ? -1 : 1;
	c = bytes_cmp(aeid, aeidlen, view_eid(b), b->eid_len);
	if (c != 0)
		return c;
	return bytes_cmp(aview, aviewlen, sess_view_name(b), b->view_len);
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
static void
view_set(MemoryContext cxt, SessView *v, bool fresh, TimestampTz ts,
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
	view_set(cxt, dst, fresh, src->ts, view_eid(src), src->eid_len,
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
	view_set(cxt, &s->entry, true, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	view_set(cxt, &s->exit, true, in->ts, in->eid, in->eid_len, in->view, in->view_len);
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
		view_set(cxt, &s->exit, false, in->ts, in->eid, in->eid_len, in->view, in->view_len);
	else if (view_cmp(in->ts, in->eid, in->eid_len, in->view, in->view_len, &s->entry) < 0)
		view_set(cxt, &s->entry, false, in->ts, in->eid, in->eid_len, in->view, in->view_len);
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
	if (view_cmp(b->entry.ts, view_eid(&b->entry), b->entry.eid_len,
				 sess_view_name(&b->entry), b->entry.view_len, &a->entry) < 0)
	{
		tmp = a->entry;
		a->entry = b->entry;
		b->entry = tmp;
	}
	if (view_cmp(b->exit.ts, view_eid(&b->exit), b->exit.eid_len,
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

/* ------------------------------------------------------------ session log */

static void
log_reset(void *arg)
{
	SessLog    *log = (SessLog *) arg;

	if (*log->owner == log)
		*log->owner = NULL;
}

/*
 * A new session log in cxt; *owner points to it until cxt is reset or
 * deleted, when it is set back to NULL.
 */
SessLog *
sess_log_create(MemoryContext cxt, SessLog **owner)
{
	SessLog    *log = MemoryContextAllocZero(cxt, sizeof(SessLog));

	log->cxt = cxt;
	log->next_block = LOG_BLOCK_MIN;
	log->owner = owner;
	log->reset_cb.func = log_reset;
	log->reset_cb.arg = log;
	MemoryContextRegisterResetCallback(cxt, &log->reset_cb);
	*owner = log;
	return log;
}

static void *
log_alloc(SessLog *log, Size size)
{
	char	   *p;

	size = MAXALIGN(size);
	if ((Size) (log->end - log->cur) < size)
	{
		Size		bs = log->next_block;

		if (size > LOG_BLOCK_MAX / 8)
			return MemoryContextAlloc(log->cxt, size);	/* a block of its own */
		while (bs < size)
			bs *= 2;
		log->cur = MemoryContextAlloc(log->cxt, bs);
		log->end = log->cur + bs;
		log->next_block = Min(bs * 2, LOG_BLOCK_MAX);
	}
	p = log->cur;
	log->cur += size;
	return p;
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

/*
 * Decode a session from the log (bytes we wrote: no checks) into s, its view
 * candidates in cxt.
 */
static void
read_session(const char *p, MemoryContext cxt, SessSummary *s)
{
	s->start = sess_get_i64(p);
	s->end = sess_get_i64(p + 8);
	s->expiry = sess_get_i64(p + 16);
	s->day = sess_get_i32(p + 24);
	s->events = sess_get_i64(p + 28);
	s->views = sess_get_i64(p + 36);
	s->engagement_ms = sess_get_i64(p + 44);
	s->reason = SESS_CONTINUES;
	p += 52;
	if (s->views > 0)
	{
		SessView   *vs[2] = {&s->entry, &s->exit};
		int			k;

		for (k = 0; k < 2; k++)
		{
			TimestampTz ts = sess_get_i64(p);
			int32		eidlen = sess_get_i32(p + 8);
			const char *eid = p + 12;
			int32		viewlen;

			p = eid + Max(eidlen, 0);
			viewlen = sess_get_i32(p);
			view_set(cxt, vs[k], true, ts, eid, eidlen, p + 4, viewlen);
			p += 4 + viewlen;
		}
	}
}

static void reserve_sessions(SessState *st, int64 n);

static int	summary_start_cmp(const void *a, const void *b);
static void merge_sorted(SessState *st, SessSummary *b, int32 nb);

/*
 * Move the sessions of a state's log records to its session array, for the
 * operations that need them there (merges, reading out a state of several
 * runs, events out of order beyond what runs absorb).  Several runs are
 * merged into one (merge_sorted() into the emptied state).  The records stay
 * in the log, unused, until its context is reset.
 */
static void
unlog(SessState *st)
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
	reserve_sessions(st, nsess);
	for (i = nsess - 2; i >= 0; i--)
	{
		CHECK_FOR_INTERRUPTS();
		Assert(rec != NULL);
		read_session(SESS_LOGREC_DATA(rec), st->cxt, &st->sess[i]);
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
static void
reserve_sessions(SessState *st, int64 n)
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

/* Session i (0 .. nsess - 1) of a SESSIONS-mode state, in start order. */
static inline SessSummary *
state_session(SessState *st, int32 i)
{
	Assert(!st->use_log);
	return (i < st->nsess - 1) ? &st->sess[i] : &st->last;
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
static inline SessSummary *
push_session(SessState *st)
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
			Size		len = session_wire_size(&st->last);
			SessLogRec *rec = log_alloc(st->u.l.log, SESS_LOGREC_HDR + len);

			rec->prev = st->u.l.head;
			rec->len = (int32) len;
			rec->run_end = false;
			write_session(SESS_LOGREC_DATA(rec), &st->last);
			summary_release(&st->last);
			st->u.l.head = rec;
			st->u.l.bytes += len;
		}
	}
	else if (st->nsess > 0)
	{
		reserve_sessions(st, st->nsess);
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
	unlog(st);
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
				*push_session(st) = b[j];	/* takes the views */
		}
		return;
	}
	reserve_sessions(st, (int64) nsess + nb);
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

/*
 * Start, end, expiry and day of a session of a state in the log: of record
 * rec, or of `last` when rec is NULL.
 */
static void
log_session_bounds(const SessState *st, const SessLogRec *rec,
				   TimestampTz *start, TimestampTz *end, TimestampTz *expiry,
				   int32 *day)
{
	if (rec == NULL)
	{
		*start = st->last.start;
		*end = st->last.end;
		*expiry = st->last.expiry;
		*day = st->last.day;
	}
	else
	{
		const char *p = SESS_LOGREC_DATA(rec);

		*start = sess_get_i64(p);
		*end = sess_get_i64(p + 8);
		*expiry = sess_get_i64(p + 16);
		*day = sess_get_i32(p + 24);
	}
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
			summary_from_input(st->cxt, push_session(st), in, day);
		return;
	}
	if (st->nsess == 0 && st->npend == 0)
	{
		summary_from_input(st->cxt, push_session(st), in, day);
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
		 * gives every user two runs.  Past MAX_RUNS the state moves to its
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
			log_session_bounds(st, st->u.l.head, &hstart, &hend, &hexp, &hday);
			if (!sess_joins(hexp, hday, in->ts, day))
			{
				summary_add_input(st->cxt, &st->last, in);
				return;
			}
		}
		if (st->runs < MAX_RUNS)
		{
			SessSummary *d = push_session(st);

			st->runs++;
			st->u.l.head->run_end = true;
			summary_from_input(st->cxt, d, in, day);
			return;
		}
	}
	unlog(st);
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

/*
 * Room for need events.  States that events are added to are limited to
 * SESS_MAX_STATE_EVENTS; a stored state is read whatever its size (limited:
 * false), since every state once written stays readable.
 */
static void
grow_events(SessState *st, int64 need, bool limited)
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

static void
event_set(MemoryContext cxt, SessEventRec *e, TimestampTz ts, int64 timeout_us,
		  int64 engagement_ms, bool start_event,
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

	grow_events(st, st->u.e.nev + 1, true);
	e = &st->u.e.ev[st->u.e.nev];
	event_set(st->cxt, e, in->ts, in->timeout_us, in->engagement_ms,
			  in->start_event, in->eid, in->eid_len, in->key, in->key_len,
			  in->view, in->view_len);
	if (st->u.e.nev > 0 && st->ev_sorted && event_cmp(&st->u.e.ev[st->u.e.nev - 1], e) > 0)
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
			unlog(st);
		flush_pending(st);
	}
	else if (!st->ev_sorted)
	{
		qsort(st->u.e.ev, st->u.e.nev, sizeof(SessEventRec), event_cmp);
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
	unlog(dst);
	unlog(src);

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
				reserve_sessions(src, src->nsess);
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
				summary_copy(dst->cxt, &b[i], (i < src->nsess) ? state_session(src, i)
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

		grow_events(dst, dst->u.e.nev + src->u.e.nev, true);
		for (i = 0; i < src->u.e.nev; i++)
		{
			SessEventRec *e = &src->u.e.ev[i];

			CHECK_FOR_INTERRUPTS();
			if (consume)
				dst->u.e.ev[dst->u.e.nev++] = *e;
			else
				event_set(dst->cxt, &dst->u.e.ev[dst->u.e.nev++], e->ts, e->timeout_us,
						  e->engagement_ms, e->start_event, e->eid.p, e->eid.len,
						  e->key.p, e->key.len, e->view.p, e->view.len);
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
#define SZ_FLAG_TIMEOUT_PER_ROW	0x02
#define SZ_FLAG_ALL				0x03
#define SZ_HEADER_SIZE	(4 + 3 + 8 * 3 + 4 + 4 + 8)		/* plus tzname bytes */
#define SZ_SESSION_MIN	(8 * 3 + 4 + 8 * 3)
#define SZ_VIEW_MIN		(8 + 4 + 4)
#define SZ_EVENT_MIN	(8 * 3 + 1 + 4 * 3)

static inline char *
w_u8(char *p, uint8 v)
{
	*p = (char) v;
	return p + 1;
}

static inline char *
w_str(char *p, const char *s, int32 len)
{
	p = sess_put_i32(p, len < 0 ? -1 : len);
	if (len > 0)
	{
		memcpy(p, s, len);
		p += len;
	}
	return p;
}

static inline Size
str_size(int32 len)
{
	return 4 + Max(len, 0);
}

/*
 * The sessions of a state in the log made of several runs, in start order,
 * when the runs follow one another in time without joining (as when a scan
 * starts in the middle of the table: the later events come first): its
 * records, and NULL standing for `last`.  NULL when the runs overlap or
 * join; they must then be merged (unlog).
 */
static SessLogRec **
runs_in_order(const SessState *st)
{
	int32		n = st->nsess - 1;	/* records */
	SessLogRec **recs = palloc((n + 1) * sizeof(SessLogRec *));
	SessLogRec **out;
	SessLogRec *rec = st->u.l.head;
	int32		first[MAX_RUNS + 1];
	int			order[MAX_RUNS];
	TimestampTz fstart[MAX_RUNS];
	int			nr = 1;
	int			i;
	int			k;
	int32		o;

	for (i = n - 1; i >= 0; i--)
	{
		recs[i] = rec;
		rec = rec->prev;
	}
	recs[n] = NULL;				/* `last`, in the latest run */
	first[0] = 0;
	for (i = 0; i < n; i++)
		if (recs[i]->run_end)
		{
			Assert(nr < MAX_RUNS);
			first[nr++] = i + 1;
		}
	first[nr] = n + 1;
	Assert(nr == st->runs);

	/* the runs by the start of their first session */
	for (k = 0; k < nr; k++)
	{
		TimestampTz e,
					x;
		int32		d;

		log_session_bounds(st, recs[first[k]], &fstart[k], &e, &x, &d);
		for (i = k; i > 0 && fstart[order[i - 1]] > fstart[k]; i--)
			order[i] = order[i - 1];
		order[i] = k;
	}
	for (k = 1; k < nr; k++)
	{
		int			a = order[k - 1];
		int			b = order[k];
		TimestampTz as,
					ae,
					ax,
					bs,
					be,
					bx;
		int32		ad,
					bd;

		log_session_bounds(st, recs[first[a + 1] - 1], &as, &ae, &ax, &ad);
		log_session_bounds(st, recs[first[b]], &bs, &be, &bx, &bd);
		if (bs <= ae || sess_joins(ax, ad, bs, bd))
		{
			pfree(recs);
			return NULL;
		}
	}
	out = palloc((n + 1) * sizeof(SessLogRec *));
	o = 0;
	for (k = 0; k < nr; k++)
		for (i = first[order[k]]; i < first[order[k] + 1]; i++)
			out[o++] = recs[i];
	Assert(o == n + 1);
	pfree(recs);
	return out;
}

/* Bytes of a session in the binary form. */
static Size
session_wire_size(const SessSummary *s)
{
	Size		size = SZ_SESSION_MIN;

	if (s->views > 0)
		size += 2 * 8 + str_size(s->entry.eid_len) + str_size(s->entry.view_len) +
			str_size(s->exit.eid_len) + str_size(s->exit.view_len);
	return size;
}

/* Write a session in the binary form; returns the end. */
static char *
write_session(char *p, const SessSummary *s)
{
	p = sess_put_i64(p, s->start);
	p = sess_put_i64(p, s->end);
	p = sess_put_i64(p, s->expiry);
	p = sess_put_i32(p, s->day);
	p = sess_put_i64(p, s->events);
	p = sess_put_i64(p, s->views);
	p = sess_put_i64(p, s->engagement_ms);
	if (s->views > 0)
	{
		const SessView *vs[2] = {&s->entry, &s->exit};
		int			k;

		for (k = 0; k < 2; k++)
		{
			p = sess_put_i64(p, vs[k]->ts);
			p = w_str(p, view_eid(vs[k]), vs[k]->eid_len);
			p = w_str(p, sess_view_name(vs[k]), vs[k]->view_len);
		}
	}
	return p;
}

bytea *
sess_state_serialize(SessState *st)
{
	SessRules  *r;
	int32		tzlen;
	Size		size;
	int64		i;
	uint8		flags = 0;
	char	   *buf;
	char	   *p;
	SessLogRec **runs = NULL;

	r = st->rules;
	if (r->mode == SESS_MODE_SESSIONS && st->use_log && st->runs > 1)
	{
		runs = runs_in_order(st);
		if (runs == NULL)
			unlog(st);			/* the runs overlap: merge them */
	}
	if (runs == NULL)
		sess_state_normalize(st);
	tzlen = r->tzname ? (int32) strlen(r->tzname) : -1;

	/* exact size first, then one allocation */
	size = VARHDRSZ + SZ_HEADER_SIZE + Max(tzlen, 0);
	if (r->mode == SESS_MODE_SESSIONS && st->use_log)
	{
		size += st->u.l.bytes;
		if (st->nsess > 0)
			size += session_wire_size(&st->last);
	}
	else if (r->mode == SESS_MODE_SESSIONS)
	{
		for (i = 0; i < st->nsess; i++)
			size += session_wire_size(state_session(st, i));
	}
	else
	{
		for (i = 0; i < st->u.e.nev; i++)
			size += 8 * 3 + 1 + str_size(st->u.e.ev[i].eid.len) +
				str_size(st->u.e.ev[i].key.len) + str_size(st->u.e.ev[i].view.len);
	}
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("session state too large to store"),
				 errdetail("It would take %zu bytes.", size)));

	buf = palloc(size);
	SET_VARSIZE(buf, size);
	p = buf + VARHDRSZ;
	memcpy(p, SZ_MAGIC, 4);
	p += 4;
	p = w_u8(p, SZ_VERSION);
	p = w_u8(p, (uint8) r->mode);
	if (r->key_rules)
		flags |= SZ_FLAG_KEY_RULES;
	if (st->timeout_per_row)
		flags |= SZ_FLAG_TIMEOUT_PER_ROW;
	p = w_u8(p, flags);
	p = sess_put_i64(p, st->timeout_us);
	p = sess_put_i64(p, r->max_duration_us);
	p = sess_put_i64(p, r->engaged_duration_ms);
	p = sess_put_i32(p, r->engaged_views);
	p = w_str(p, r->tzname, tzlen);
	if (runs != NULL)
	{
		/* several runs, one after the other: their sessions in order */
		p = sess_put_i64(p, st->nsess);
		for (i = 0; i < st->nsess; i++)
		{
			if (runs[i] == NULL)
				p = write_session(p, &st->last);
			else
			{
				memcpy(p, SESS_LOGREC_DATA(runs[i]), runs[i]->len);
				p += runs[i]->len;
			}
		}
		pfree(runs);
	}
	else if (r->mode == SESS_MODE_SESSIONS && st->use_log)
	{
		SessLogRec *rec;
		char	   *q;

		/*
		 * The records, newest first in the chain, are copied from the end of
		 * their place backwards; `last` follows them.
		 */
		p = sess_put_i64(p, st->nsess);
		q = buf + size - (st->nsess > 0 ? session_wire_size(&st->last) : 0);
		if (st->nsess > 0)
			write_session(q, &st->last);
		for (rec = st->u.l.head; rec != NULL; rec = rec->prev)
		{
			q -= rec->len;
			memcpy(q, SESS_LOGREC_DATA(rec), rec->len);
		}
		Assert(q == p);
		p = buf + size;
	}
	else if (r->mode == SESS_MODE_SESSIONS)
	{
		p = sess_put_i64(p, st->nsess);
		for (i = 0; i < st->nsess; i++)
			p = write_session(p, state_session(st, i));
	}
	else
	{
		p = sess_put_i64(p, st->u.e.nev);
		for (i = 0; i < st->u.e.nev; i++)
		{
			SessEventRec *e = &st->u.e.ev[i];

			p = sess_put_i64(p, e->ts);
			p = sess_put_i64(p, e->timeout_us);
			p = sess_put_i64(p, e->engagement_ms);
			p = w_u8(p, e->start_event ? 1 : 0);
			p = w_str(p, e->eid.p, e->eid.len);
			p = w_str(p, e->key.p, e->key.len);
			p = w_str(p, e->view.p, e->view.len);
		}
	}
	Assert(p == buf + size);
	return (bytea *) buf;
}

/* ----------------------------------------------------- validating reader */

SESS_NORETURN static void corrupt(const char *what) SESS_NORETURN_ATTR;

static void
corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid session state"),
			 errdetail("The state is corrupt or not a sessionstate: %s.", what),
			 errhint("Session states come from session_agg() or session_merge(); rebuild it from the events.")));
}

static inline void
need(SessReader *r, int64 n, const char *what)
{
	if (n < 0 || r->len - r->off < n)
		corrupt(what);
}

static uint8
get_u8(SessReader *r, const char *what)
{
	need(r, 1, what);
	return (uint8) r->p[r->off++];
}

static int32
get_i32(SessReader *r, const char *what)
{
	uint32		n;

	need(r, 4, what);
	memcpy(&n, r->p + r->off, 4);
	r->off += 4;
	return (int32) pg_ntoh32(n);
}

static int64
get_i64(SessReader *r, const char *what)
{
	uint64		n;

	need(r, 8, what);
	memcpy(&n, r->p + r->off, 8);
	r->off += 8;
	return (int64) pg_ntoh64(n);
}

/*
 * Bytes 1 to 127 only: valid text in every server encoding (all are ASCII
 * supersets), checked without a call for the short names states hold, eight
 * bytes at a time.
 */
static inline bool
plain_ascii(const char *s, int32 len)
{
	const uint64 ones = UINT64CONST(0x0101010101010101);
	const uint64 highs = UINT64CONST(0x8080808080808080);
	int32		i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64		w;

		memcpy(&w, s + i, 8);
		/* a high bit set, or a zero byte (w - ones borrows into its high bit) */
		if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0)
			return false;
	}
	for (; i < len; i++)
		if ((unsigned char) (s[i] - 1) >= 0x7f)
			return false;
	return true;
}

/*
 * A text value in place: length checked, valid in the database encoding, no
 * NUL byte.  Returns its length (-1 for NULL, allowed only if nullable).
 */
static int32
get_str(SessReader *r, const char **s, bool nullable, const char *what)
{
	int32		len = get_i32(r, what);

	*s = NULL;
	if (len == -1 && nullable)
		return -1;
	if (len < 0)
		corrupt(what);
	need(r, len, what);
	*s = r->p + r->off;
	if (!plain_ascii(*s, len) &&
		(memchr(*s, '\0', len) != NULL ||
		 !pg_verify_mbstr(GetDatabaseEncoding(), *s, len, true)))
		corrupt(what);
	r->off += len;
	return len;
}

static TimestampTz
get_ts(SessReader *r, const char *what)
{
	TimestampTz ts = get_i64(r, what);

	if (TIMESTAMP_NOT_FINITE(ts) || !IS_VALID_TIMESTAMP(ts))
		corrupt(what);
	return ts;
}

static void
get_view(SessReader *r, SessViewRef *v, const SessSummary *s, const char *what)
{
	v->ts = get_ts(r, what);
	if (v->ts < s->start || v->ts > s->end)
		corrupt(what);
	v->eid_len = get_str(r, &v->eid, true, what);
	v->view_len = get_str(r, &v->view, false, what);
}

/* Order of view candidates given by reference: (ts, event_id, view). */
static int
viewref_cmp(const SessViewRef *a, const SessViewRef *b)
{
	int			c;

	if (a->ts != b->ts)
		return (a->ts < b->ts) ? -1 : 1;
	c = bytes_cmp(a->eid, a->eid_len, b->eid, b->eid_len);
	if (c != 0)
		return c;
	return bytes_cmp(a->view, a->view_len, b->view, b->view_len);
}

void
sess_reader_open(SessReader *r, const char *data, int len)
{
	uint8		version;
	uint8		mode;
	uint8		flags;
	const char *tz;
	int32		tzlen;
	int64		min_item;

	memset(r, 0, sizeof(*r));
	r->p = data;
	r->len = len;
	need(r, SZ_HEADER_SIZE, "too short");
	if (memcmp(data, SZ_MAGIC, 4) != 0)
		corrupt("bad magic number");
	r->off = 4;
	version = get_u8(r, "version");
	if (version != SZ_VERSION)
		corrupt("unknown version");
	mode = get_u8(r, "mode");
	if (mode != SESS_MODE_SESSIONS && mode != SESS_MODE_EVENTS)
		corrupt("unknown mode");
	r->rules.mode = (SessMode) mode;
	flags = get_u8(r, "flags");
	if (flags & ~SZ_FLAG_ALL)
		corrupt("unknown flags");
	r->rules.key_rules = (flags & SZ_FLAG_KEY_RULES) != 0;
	r->timeout_per_row = (flags & SZ_FLAG_TIMEOUT_PER_ROW) != 0;
	r->timeout_us = get_i64(r, "timeout");
	r->rules.max_duration_us = get_i64(r, "max_duration");
	r->rules.engaged_duration_ms = get_i64(r, "engaged duration");
	r->rules.engaged_views = get_i32(r, "engaged views");
	if (r->timeout_us < -1 || r->rules.max_duration_us < -1 ||
		r->rules.engaged_duration_ms < 0 || r->rules.engaged_views < 0)
		corrupt("rules out of range");
	if ((r->rules.max_duration_us != SESS_NO_LIMIT || r->rules.key_rules) !=
		(r->rules.mode == SESS_MODE_EVENTS))
		corrupt("mode does not match the rules");
	tzlen = get_str(r, &tz, true, "time zone");
	if (tzlen >= 0)
	{
		char	   *name = pnstrdup(tz, tzlen);
		pg_tz	   *zone = (tzlen > 0) ? pg_tzset(name) : NULL;

		if (zone == NULL)
			corrupt("unknown time zone");
		r->rules.tzname = name;
		sess_day_cache_init(&r->rules.day, zone);
	}
	r->count = get_i64(r, "count");
	min_item = (mode == SESS_MODE_SESSIONS) ? SZ_SESSION_MIN : SZ_EVENT_MIN;
	if (r->count < 0 || r->count > (r->len - r->off) / min_item ||
		r->count > PG_INT32_MAX)
		corrupt("count does not match the size");
	if ((r->count > 0) != (r->timeout_us >= 0))
		corrupt("timeout missing");
}

/* Next session of a SESSIONS-mode state; false at the end. */
bool
sess_reader_next(SessReader *r, SessSummary *s)
{
	Assert(r->rules.mode == SESS_MODE_SESSIONS);
	if (r->done >= r->count)
	{
		if (r->off != r->len)
			corrupt("trailing bytes");
		return false;
	}
	CHECK_FOR_INTERRUPTS();
	/* every field but the view candidates, which the caller reads from r */
	s->start = get_ts(r, "session start");
	s->end = get_ts(r, "session end");
	s->expiry = get_i64(r, "session expiry");
	s->day = get_i32(r, "session day");
	s->events = get_i64(r, "event count");
	s->views = get_i64(r, "view count");
	s->engagement_ms = get_i64(r, "engagement");
	if (s->end < s->start || s->expiry < s->end ||
		(r->timeout_per_row ? s->expiry < sess_add_usec(s->end, r->timeout_us)
		 : s->expiry != sess_add_usec(s->end, r->timeout_us)) ||
		s->events < 1 || s->views < 0 || s->views > s->events ||
		s->engagement_ms < 0)
		corrupt("session out of range");
	if (r->rules.tzname == NULL ? s->day != SESS_NO_DAY
		: (sess_local_day(&r->rules.day, s->start) != s->day ||
		   sess_local_day(&r->rules.day, s->end) != s->day))
		corrupt("session day");
	if (r->done > 0 && (s->start <= r->prev_end ||
						sess_joins(r->prev_expiry, r->prev_day, s->start, s->day)))
		corrupt("sessions overlap or are out of order");
	if (s->views > 0)
	{
		get_view(r, &r->entry, s, "entry view");
		get_view(r, &r->exit, s, "exit view");
		if (viewref_cmp(&r->entry, &r->exit) > 0)
			corrupt("entry view after exit view");
	}
	if (r->done == 0)
		s->reason = SESS_FIRST;
	else if (s->start > r->prev_expiry)
		s->reason = SESS_TIMEOUT;
	else
		s->reason = SESS_DAY;
	r->prev_end = s->end;
	r->prev_expiry = s->expiry;
	r->prev_day = s->day;
	r->done++;
	return true;
}

void
sess_reader_close(SessReader *r)
{
	if (r->rules.tzname)
		pfree(r->rules.tzname);
	r->rules.tzname = NULL;
}

/*
 * Build a state from its binary form, validating every byte.  The rules are
 * those of `shared` when equal (so deserialized states of one aggregate share
 * them), else a copy in cxt.
 */
SessState *
sess_state_deserialize(MemoryContext cxt, const char *data, int len,
					   SessRules *shared)
{
	SessReader	r;
	SessRules  *rules;
	SessState  *st;

	sess_reader_open(&r, data, len);
	rules = (shared && sess_rules_equal(shared, &r.rules)) ? shared
		: sess_rules_copy(cxt, &r.rules);
	st = sess_state_create(cxt, rules);
	st->timeout_us = r.timeout_us;
	st->timeout_per_row = r.timeout_per_row;

	if (r.rules.mode == SESS_MODE_SESSIONS)
	{
		SessSummary s;

		/* room for every session, so that a merge can take them in place */
		if (r.count > 1)
			reserve_sessions(st, r.count);
		while (sess_reader_next(&r, &s))
		{
			SessSummary *d = push_session(st);

			*d = s;
			d->reason = SESS_CONTINUES;
			if (s.views > 0)
			{
				view_set(cxt, &d->entry, true, r.entry.ts, r.entry.eid, r.entry.eid_len,
						 r.entry.view, r.entry.view_len);
				view_set(cxt, &d->exit, true, r.exit.ts, r.exit.eid, r.exit.eid_len,
						 r.exit.view, r.exit.view_len);
			}
		}
	}
	else
	{
		int64		i;

		grow_events(st, Max(r.count, 1), false);
		for (i = 0; i < r.count; i++)
		{
			TimestampTz ts;
			int64		timeout_us;
			int64		engagement_ms;
			uint8		se;
			const char *eid;
			const char *key;
			const char *view;
			int32		eidlen;
			int32		keylen;
			int32		viewlen;

			CHECK_FOR_INTERRUPTS();
			ts = get_ts(&r, "event time");
			timeout_us = get_i64(&r, "event timeout");
			engagement_ms = get_i64(&r, "event engagement");
			se = get_u8(&r, "start flag");
			if (timeout_us < 0 || engagement_ms < 0 || se > 1 ||
				(r.timeout_per_row ? timeout_us < r.timeout_us
				 : timeout_us != r.timeout_us))
				corrupt("event out of range");
			eidlen = get_str(&r, &eid, true, "event id");
			keylen = get_str(&r, &key, true, "split key");
			viewlen = get_str(&r, &view, true, "view name");
			if (!r.rules.key_rules && (keylen >= 0 || se != 0))
				corrupt("split key or start flag without split rules");
			event_set(cxt, &st->u.e.ev[st->u.e.nev], ts, timeout_us, engagement_ms,
					  se == 1, eid, eidlen, key, keylen, view, viewlen);
			if (st->u.e.nev > 0 && event_cmp(&st->u.e.ev[st->u.e.nev - 1], &st->u.e.ev[st->u.e.nev]) > 0)
				corrupt("events out of order");
			st->u.e.nev++;
		}
		if (r.off != r.len)
			corrupt("trailing bytes");
	}
	sess_reader_close(&r);
	return st;
}
