/*-------------------------------------------------------------------------
 *
 * session_core.h
 *	  The session rules of docs/semantics.md, shared by every code path.
 *
 * The window functions (session_window.c) and the aggregates call the same
 * step function, sess_step(), so the two paths cannot drift apart.  A caller
 * feeds the counted events of one partition in timestamp order, one
 * SessEvent at a time, and learns for each whether it starts a new session
 * and why.  Everything the rules need from earlier events lives in a
 * SessTracker of fixed size: O(1) memory whatever the partition's length.
 *
 * Timestamps are int64 microseconds (TimestampTz); a timestamp without time
 * zone is read as UTC and epoch milliseconds are converted on entry, so the
 * core only ever sees TimestampTz.
 *
 * What the viewing-time code shares with it (compatibility across majors,
 * byte I/O, the hexadecimal form, durations) is in session_util.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SESSIONIZE_SESSION_CORE_H
#define SESSIONIZE_SESSION_CORE_H

#include "postgres.h"

#include "pgtime.h"

#include "session_util.h"

/* No limit for an optional duration (max_duration absent). */
#define SESS_NO_LIMIT	INT64CONST(-1)

/* Local day number used when the day rule is off: all events share it. */
#define SESS_NO_DAY		0

/*
 * Why an event starts a session.  The order of the values is the
 * precedence order of docs/semantics.md, Rules: when several rules fire on one
 * event, the first in this list is reported.
 */
typedef enum SessReason
{
	SESS_CONTINUES = 0,			/* the event continues the current session */
	SESS_FIRST,					/* first counted event of the partition */
	SESS_TIMEOUT,				/* ts > expiry of the session so far */
	SESS_MAX_DURATION,			/* ts - session start > max_duration */
	SESS_DAY,					/* local calendar date changed */
	SESS_KEY,					/* split key IS DISTINCT FROM the previous */
	SESS_START_EVENT			/* the event is flagged as a session start */
} SessReason;

#define SESS_REASON_COUNT	(SESS_START_EVENT + 1)

/*
 * One counted event as the rules see it.  The caller resolves everything that
 * needs storage or catalog access (the local day, whether the split key
 * changed) so that the step itself is a handful of comparisons.
 */
typedef struct SessEvent
{
	TimestampTz ts;				/* finite event time */
	int64		timeout_us;		/* inactivity timeout of this event, >= 0 */
	int64		max_duration_us;	/* SESS_NO_LIMIT or >= 0 */
	bool		day_changed;	/* local date differs from previous event's */
	bool		key_changed;	/* split key differs from previous event's */
	bool		start_event;	/* flagged as a session start */
} SessEvent;

/* The running state of the current session of one partition. */
typedef struct SessTracker
{
	bool		active;			/* a session has started */
	TimestampTz start;			/* first event of the current session */
	TimestampTz last;			/* latest event seen (any session) */
	TimestampTz expiry;			/* max(ts_k + timeout_k) over the session */
} SessTracker;

/* a - b > limit, computed without overflow (a >= b is not assumed). */
static inline bool
sess_gap_exceeds(TimestampTz a, TimestampTz b, int64 limit)
{
	int64		d;

	if (__builtin_sub_overflow(a, b, &d))
		return a > b;			/* magnitude beyond int64: sign decides */
	return d > limit;
}

/*
 * Decide whether event e starts a new session, update the tracker, and
 * return the reason (SESS_CONTINUES when it does not).  The caller has
 * checked that e->ts is not earlier than t->last.
 */
static inline SessReason
sess_step(SessTracker *t, const SessEvent *e)
{
	SessReason	r;
	TimestampTz exp;

	if (!t->active)
		r = SESS_FIRST;
	else if (e->ts > t->expiry)
		r = SESS_TIMEOUT;
	else if (e->max_duration_us != SESS_NO_LIMIT &&
			 sess_gap_exceeds(e->ts, t->start, e->max_duration_us))
		r = SESS_MAX_DURATION;
	else if (e->day_changed)
		r = SESS_DAY;
	else if (e->key_changed)
		r = SESS_KEY;
	else if (e->start_event)
		r = SESS_START_EVENT;
	else
		r = SESS_CONTINUES;

	exp = sess_add_usec(e->ts, e->timeout_us);
	if (r != SESS_CONTINUES)
	{
		t->active = true;
		t->start = e->ts;
		t->expiry = exp;
	}
	else if (exp > t->expiry)
		t->expiry = exp;
	t->last = e->ts;
	return r;
}

/*
 * The timeout and day rules seen from the union of the events' coverage
 * intervals [ts, ts + timeout]: a session (or a single event) b whose start is
 * not earlier than session a's start belongs with a exactly when sess_step()
 * would not split between them, that is when b starts within a's expiry and
 * on a's local day.  Sessions are the connected components of the coverage
 * within a day, which is what makes them mergeable in any order.
 */
static inline bool
sess_joins(TimestampTz a_expiry, int32 a_day, TimestampTz b_start, int32 b_day)
{
	return b_start <= a_expiry && b_day == a_day;
}

/*
 * Local calendar day of a timestamp in a time zone, with a cache of the UTC
 * range of the last day seen (consecutive events mostly share a day).
 */
typedef struct SessDayCache
{
	pg_tz	   *tz;
	bool		valid;			/* lo/hi/jday describe a whole local day */
	TimestampTz lo;				/* first instant of the cached day */
	TimestampTz hi;				/* first instant of the next day */
	int32		jday;			/* Julian day number of the cached day */
} SessDayCache;

extern void sess_day_cache_init(SessDayCache *c, pg_tz *tz);
extern int32 sess_local_day(SessDayCache *c, TimestampTz ts);

/*
 * Argument validation and conversion (errors: docs/semantics.md, Bad input);
 * durations: sess_interval_usec() (session_util.h).
 */
SESS_NORETURN extern void sess_null_timeout_error(void) SESS_NORETURN_ATTR;
extern pg_tz *sess_lookup_tz(const char *name);
SESS_NORETURN extern void sess_infinite_error(TimestampTz ts) SESS_NORETURN_ATTR;
SESS_NORETURN extern void sess_order_error(TimestampTz prev, TimestampTz ts) SESS_NORETURN_ATTR;
extern TimestampTz sess_epoch_ms_to_ts(int64 ms);
extern int64 sess_ts_to_epoch_ms(TimestampTz ts);


/* Per-event checks: inline fast paths, errors out of line. */
static inline void
sess_check_finite(TimestampTz ts)
{
	if (unlikely(TIMESTAMP_NOT_FINITE(ts)))
		sess_infinite_error(ts);
}

/* Events of a partition must come in timestamp order. */
static inline void
sess_check_order(TimestampTz prev, TimestampTz ts)
{
	if (unlikely(ts < prev))
		sess_order_error(prev, ts);
}

/* Presentation. */
extern const char *sess_reason_name(SessReason r);
extern int	sess_format_id(char *buf, size_t buflen, TimestampTz start);

/* Length of the "-YYYYMMDD-HH24MISSMS" suffix for years 0001..9999. */
#define SESS_ID_SUFFIX_MAX	32

#endif							/* SESSIONIZE_SESSION_CORE_H */
