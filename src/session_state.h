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
 *		[ts, ts + timeout] within one local day, so two partial results merge
 *		by plain interval union.  The state keeps one summary per session:
 *		O(sessions) memory whatever the input order.
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
 *-------------------------------------------------------------------------
 */
#ifndef SESSIONIZE_SESSION_STATE_H
#define SESSIONIZE_SESSION_STATE_H

#include "session_core.h"

typedef enum SessMode
{
	SESS_MODE_SESSIONS = 0,
	SESS_MODE_EVENTS = 1
} SessMode;

/* A text value owned by a state: NULL or bytes (no terminator needed). */
typedef struct SessStr
{
	char	   *p;
	int32		len;			/* -1 for NULL */
	int32		cap;
} SessStr;

/* The rules a state was built under; two states merge only when equal. */
typedef struct SessRulesInfo
{
	SessMode	mode;
	bool		key_rules;		/* split_key and start_event supplied */
	bool		timeout_mixed;	/* events carried different timeouts */
	int64		timeout_us;		/* the timeout, when not mixed */
	int64		max_duration_us;	/* SESS_NO_LIMIT if none */
	int64		engaged_duration_ms;	/* engaged if duration_ms > this */
	int32		engaged_views;	/* ... or views >= this */
	char	   *tzname;			/* day_boundary, NULL if none */
} SessRulesInfo;

#define SESS_DEFAULT_ENGAGED_MS		INT64CONST(10000)
#define SESS_DEFAULT_ENGAGED_VIEWS	2

/* A view event as a candidate entry/exit: ordered by (ts, event_id, view). */
typedef struct SessView
{
	TimestampTz ts;
	SessStr		eid;
	SessStr		view;			/* never NULL when the candidate is set */
} SessView;

/* Summary of one session (SESSIONS mode, and derived sessions). */
typedef struct SessSummary
{
	TimestampTz start;
	TimestampTz end;
	TimestampTz expiry;
	int32		day;
	SessReason	reason;			/* EVENTS mode only; derived otherwise */
	int64		events;
	int64		views;
	int64		engagement_ms;
	bool		has_views;		/* entry and exit are set */
	SessView	entry;
	SessView	exit;
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

/* The in-memory state (aggregate transition value). */
typedef struct SessState
{
	MemoryContext cxt;			/* where every part of the state lives */
	SessRulesInfo rules;
	SessDayCache day;			/* valid when rules.tzname != NULL */

	/* SESSIONS mode: merged sessions sorted by start, plus unsorted pending */
	SessSummary *sess;
	int			nsess;
	int			sesscap;
	SessSummary *pend;
	int			npend;
	int			pendcap;

	/* EVENTS mode */
	SessEventRec *ev;
	int64		nev;
	int64		evcap;
	bool		ev_sorted;
} SessState;

extern SessState *sess_state_create(MemoryContext cxt, const SessRulesInfo *rules);
extern void sess_state_add(SessState *st, const SessInput *in);
extern void sess_state_merge(SessState *dst, SessState *src, bool check_timeout);
extern void sess_state_normalize(SessState *st);

/* Read-out: the sessions of a (normalized) state, in start order. */
extern SessSummary *sess_state_sessions(SessState *st, int64 *count);
extern int64 sess_state_event_count(SessState *st);
extern bool sess_engaged(const SessRulesInfo *rules, const SessSummary *s);
extern int64 sess_duration_ms(const SessSummary *s);

/* Binary form (sessionstate varlena payload, serialize/deserialize). */
extern bytea *sess_state_serialize(SessState *st);
extern SessState *sess_state_deserialize(MemoryContext cxt, const char *data, int len);

extern bool sess_rules_equal(const SessRulesInfo *a, const SessRulesInfo *b,
							 bool check_timeout);

#endif							/* SESSIONIZE_SESSION_STATE_H */
