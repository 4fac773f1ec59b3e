/*-------------------------------------------------------------------------
 *
 * session_state.h
 *	  The mergeable session state behind session_agg / session_merge and the
 *	  storable type sessionstate.
 *
 * A state holds the sessions of one partition under one set of rules.  It
 * comes in two modes:
 *
 *	 SESS_MODE_SESSIONS: rules that only look at gaps and calendar days
 *		(timeout, fixed or per row, and day_boundary).  Sessions are then the
 *		connected components of the events' coverage intervals
 *		[ts, ts + timeout] within one local day (sess_joins()), so two partial
 *		results merge by plain interval union.  The state keeps one summary
 *		per session: O(sessions) memory whatever the input order.
 *
 *	 SESS_MODE_EVENTS: rules whose outcome depends on the exact sequence
 *		(max_duration, split_key, start_event).  A late event can split a
 *		session in two, so the state keeps the events and the sessions are
 *		derived by sess_step() when read: O(events) memory.
 *
 * Either way the sessions read out are the ones the window functions label,
 * for any input order: events are ordered by (ts, event_id) with remaining
 * ties broken by the other values, deterministically.
 *
 * Memory layout: a hash aggregate keeps one state per user and its
 * transition function reaches a random one for every event, so what an event
 * that arrives in time order needs (the state's header and its last session,
 * view names included) sits in one small allocation, made right after the
 * group's hash table entry and so close to it in memory.  The earlier
 * sessions of a state the aggregate builds go to the session log below;
 * those of other states (read from their binary form, merged), and of a
 * state whose events came too far out of order, live in an array.  The
 * rules, equal for every group of one aggregate call, are shared by pointer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SESSIONIZE_SESSION_STATE_H
#define SESSIONIZE_SESSION_STATE_H

#include "session_core.h"

#include "common/int.h"

typedef enum SessMode
{
	SESS_MODE_SESSIONS = 0,
	SESS_MODE_EVENTS = 1
} SessMode;

/* The rules a state was built under, shared by the states of one call. */
typedef struct SessRules
{
	SessMode	mode;
	bool		key_rules;		/* split_key and start_event supplied */
	int64		max_duration_us;	/* SESS_NO_LIMIT if none */
	int64		engaged_duration_ms;	/* engaged if duration_ms > this */
	int32		engaged_views;	/* ... or views >= this */
	char	   *tzname;			/* day_boundary, NULL if none */
	SessDayCache day;			/* cache for tzname */
} SessRules;

/*
 * Events an events-mode state keeps at most.  Each costs about 100 bytes of
 * memory plus its strings, so one state stays within a few hundred MB
 * instead of growing until the server runs out of memory (docs/semantics.md,
 * "Memory").
 */
#define SESS_MAX_STATE_EVENTS	2000000

#define SESS_DEFAULT_ENGAGED_MS		INT64CONST(10000)
#define SESS_DEFAULT_ENGAGED_VIEWS	2

/* A text value owned by an event record: NULL or bytes. */
typedef struct SessStr
{
	char	   *p;
	int32		len;			/* -1 for NULL */
	int32		cap;
} SessStr;

/*
 * Bytes of a view candidate (event id and view name) kept inside the session
 * summary; longer ones go to an allocation of their own.
 */
#define SESS_VIEW_INLINE	40

/*
 * A view event as entry/exit candidate, ordered by (ts, event_id, view).  Its
 * bytes are the event id's followed by the view name's: in b.inl when they
 * fit, else in b.ext.p (owned by the candidate).
 */
typedef struct SessView
{
	TimestampTz ts;
	int32		eid_len;		/* -1 for a NULL event id */
	int32		view_len;
	union
	{
		char		inl[SESS_VIEW_INLINE];
		struct
		{
			char	   *p;
			int32		cap;
		}			ext;
	}			b;
} SessView;

/*
 * Summary of one session.  The view candidates are meaningful (and own their
 * bytes) only when views > 0.  The exit view comes first: an event that
 * arrives in time order reads the counters and the exit view, and only the
 * time of the entry view.
 */
typedef struct SessSummary
{
	TimestampTz start;
	TimestampTz end;
	TimestampTz expiry;			/* max(ts + timeout) over its events */
	int64		events;
	int64		views;
	int64		engagement_ms;
	int32		day;
	int32		reason;			/* SessReason, set when read out */
	SessView	exit;
	SessView	entry;
} SessSummary;

/* One stored event (EVENTS mode). */
typedef struct SessEventRec
{
	TimestampTz ts;
	int64		timeout_us;
	int64		engagement_ms;
	bool		start_event;
	SessStr		eid;
	SessStr		key;
	SessStr		view;
} SessEventRec;

/* One event as handed to sess_state_add(); strings are borrowed. */
typedef struct SessInput
{
	TimestampTz ts;
	int64		timeout_us;
	int64		engagement_ms;
	bool		start_event;
	const char *eid;
	int32		eid_len;		/* -1 for NULL */
	const char *key;
	int32		key_len;
	const char *view;
	int32		view_len;
} SessInput;

/*
 * The session log: where the transition function of one aggregate call puts
 * the sessions its states complete, one after the other in one arena,
 * rather than in an array per state.  A record is a session in its binary
 * form (the bytes sess_state_serialize() writes for it), chained to the
 * state's previous record.  Events in time order thus write completed
 * sessions sequentially, and serializing copies their bytes.  The log lives
 * in the aggregate's memory context and is forgotten when that is reset.  A
 * state that leaves the log (a merge, or events out of order beyond what
 * runs absorb) copies its sessions to an array and leaves its records
 * behind, unused, until then.
 */
typedef struct SessLogRec
{
	struct SessLogRec *prev;	/* the state's previous completed session */
	int32		len;			/* bytes of the session's binary form */
	bool		run_end;		/* the last session of a run (see `runs`) */
} SessLogRec;

#define SESS_LOGREC_HDR		MAXALIGN(sizeof(SessLogRec))
#define SESS_LOGREC_DATA(rec)	((char *) (rec) + SESS_LOGREC_HDR)

typedef struct SessLog
{
	MemoryContext cxt;			/* the aggregate context it lives in */
	char	   *cur;			/* free space of the current block */
	char	   *end;
	Size		next_block;		/* size of the next block */
	struct SessLog **owner;		/* cleared when cxt is reset */
	MemoryContextCallback reset_cb;
} SessLog;

extern SessLog *sess_log_create(MemoryContext cxt, SessLog **owner);

/*
 * The in-memory state (aggregate transition value).  Sessions are kept
 * sorted by start and merged; the last one (the one events in time order go
 * to) is `last`, right after the fields every event reads, and the nsess - 1
 * earlier ones are in `sess`.  The header never moves once created, so a
 * state may be read (and its pending list swept in) while an aggregate goes
 * on.  It fits in 256 bytes, the size the aggregates declare.
 */
typedef struct SessState
{
	SessRules  *rules;
	int64		timeout_us;		/* the timeout; with per-row timeouts the
								 * smallest seen; -1 before any event */
	int32		nsess;			/* sessions, `last` included */
	int32		npend;
	bool		timeout_per_row;	/* timeouts come from a per-row expression */
	bool		ev_sorted;
	bool		use_log;		/* SESSIONS mode: the sessions before `last`
								 * are the records of u.l.head, not `sess` */
	uint8		runs;			/* with use_log: the records and `last` form
								 * this many runs, each sorted and merged in
								 * itself (see add_sessions_mode) */
	SessSummary last;			/* SESSIONS mode: the latest session, if any */
	MemoryContext cxt;			/* where every part of the state lives */
	SessSummary *sess;			/* the sessions before `last` */
	int32		sesscap;
	int32		pendcap;
	SessSummary *pend;			/* SESSIONS mode: out-of-order arrivals */
	union
	{
		struct					/* EVENTS mode */
		{
			SessEventRec *ev;
			int64		nev;
			int64		evcap;
		}			e;
		struct					/* SESSIONS mode with use_log */
		{
			SessLog    *log;
			SessLogRec *head;	/* the latest record, NULL if none */
			int64		bytes;	/* binary form of the records */
		}			l;
	}			u;
} SessState;

extern SessRules *sess_rules_copy(MemoryContext cxt, const SessRules *r);
extern bool sess_rules_equal(const SessRules *a, const SessRules *b);

extern SessState *sess_state_create(MemoryContext cxt, SessRules *rules);
extern void sess_state_use_log(SessState *st, SessLog *log);
extern void sess_state_add(SessState *st, const SessInput *in);

/* Bytes a view candidate stores: its event id's and its view name's. */
static inline int32
sess_view_size(int32 eid_len, int32 view_len)
{
	return Max(eid_len, 0) + view_len;
}

/*
 * Write a view candidate: its timestamp and lengths into v, its event id and
 * view name bytes to dst (v's inline bytes or its own allocation, with room
 * for sess_view_size() bytes).
 */
static inline void
sess_view_fill(SessView *v, char *dst, TimestampTz ts,
			   const char *eid, int32 eidlen, const char *view, int32 viewlen)
{
	v->ts = ts;
	v->eid_len = eidlen;
	v->view_len = viewlen;
	if (eidlen > 0)
		memcpy(dst, eid, eidlen);
	if (viewlen > 0)
		memcpy(dst + Max(eidlen, 0), view, viewlen);
}

/*
 * Widen a session by one of its events at or after its start: end, expiry
 * and count.  (An earlier event also moves the start: summary_add_input().)
 */
static inline void
sess_summary_extend(SessSummary *s, TimestampTz ts, int64 timeout_us)
{
	TimestampTz exp = sess_add_usec(ts, timeout_us);

	Assert(ts >= s->start);
	if (ts > s->end)
		s->end = ts;
	if (exp > s->expiry)
		s->expiry = exp;
	s->events++;
}

/*
 * The usual event, done inline: sessions mode without a day rule, the
 * state's timeout, at or after the start of the latest session and joining
 * it, with no view or with a view that becomes the session's exit and fits
 * where the exit is (inline, or in the exit's own allocation).  Does what
 * sess_state_add() does for such an event (summary_add_input() on `last`)
 * and returns true; changes nothing and returns false for any other event,
 * which sess_state_add() then takes.  Saves the calls of the general path
 * on most events.
 */
static inline bool
sess_state_add_fast(SessState *st, const SessInput *in)
{
	SessSummary *s = &st->last;
	int64		eng = 0;

	if (st->rules->mode != SESS_MODE_SESSIONS || st->rules->tzname != NULL ||
		st->timeout_us != in->timeout_us || st->nsess <= 0 ||
		in->ts < s->start || !sess_joins(s->expiry, s->day, in->ts, SESS_NO_DAY))
		return false;
	if (in->engagement_ms != 0 &&
		pg_add_s64_overflow(s->engagement_ms, in->engagement_ms, &eng))
		return false;			/* the general path reports it */
	if (in->view_len >= 0)
	{
		int32		need = sess_view_size(in->eid_len, in->view_len);
		bool		need_ext = need > SESS_VIEW_INLINE;
		bool		has_ext;

		/* the exit is meaningful only when the session has views */
		if (s->views <= 0 || in->ts <= s->exit.ts)
			return false;

		/*
		 * A later view: the new exit, as sess_view_set() would set it when
		 * that allocates and frees nothing: inline in place of an inline
		 * exit, or in the exit's own allocation when that is large enough.
		 */
		has_ext = sess_view_size(s->exit.eid_len, s->exit.view_len) > SESS_VIEW_INLINE;
		if (need_ext != has_ext || (need_ext && s->exit.b.ext.cap < need))
			return false;
		sess_view_fill(&s->exit, need_ext ? s->exit.b.ext.p : s->exit.b.inl,
					   in->ts, in->eid, in->eid_len, in->view, in->view_len);
		s->views++;
	}
	if (in->engagement_ms != 0)
		s->engagement_ms = eng;
	sess_summary_extend(s, in->ts, in->timeout_us);
	return true;
}

extern void sess_state_merge(SessState *dst, SessState *src,
							 bool check_timeout, bool consume);
extern void sess_state_normalize(SessState *st);

/* Read-out: the sessions of a state, in start order. */
extern SessSummary *sess_state_sessions(SessState *st, int64 *count);
extern bool sess_engaged(const SessRules *rules, const SessSummary *s);
extern const char *sess_view_name(const SessView *v);
extern int64 sess_duration_ms(const SessSummary *s);

/* Binary form (sessionstate varlena, serialize/deserialize): session_wire.c. */
extern bytea *sess_state_serialize(SessState *st);

/*
 * A validating reader of the binary form.  sess_reader_open() checks the
 * header; sess_reader_next() returns the sessions (SESSIONS mode) one by
 * one, checking each against the previous, with view strings pointing into
 * the input; sess_state_deserialize() builds a state from it.  Every check
 * failure is an ERROR with SQLSTATE 22P03.
 */
typedef struct SessViewRef
{
	TimestampTz ts;
	const char *eid;
	int32		eid_len;
	const char *view;
	int32		view_len;
} SessViewRef;

typedef struct SessReader
{
	const char *p;
	int			len;
	int			off;
	SessRules	rules;
	int64		timeout_us;
	bool		timeout_per_row;
	int64		count;
	int64		done;
	TimestampTz prev_end;		/* the last session returned */
	TimestampTz prev_expiry;
	int32		prev_day;
	SessViewRef entry;			/* views of the last session returned */
	SessViewRef exit;
} SessReader;

extern void sess_reader_open(SessReader *r, const char *data, int len);
extern bool sess_reader_next(SessReader *r, SessSummary *s);
extern void sess_reader_close(SessReader *r);
extern SessState *sess_state_deserialize(MemoryContext cxt, const char *data,
										 int len, SessRules *shared);

#endif							/* SESSIONIZE_SESSION_STATE_H */
