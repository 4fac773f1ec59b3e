/*-------------------------------------------------------------------------
 *
 * session_state_private.h
 *	  What session_state.c (building, merging, reading out states) and
 *	  session_wire.c (their binary form) share; no other file includes it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SESSIONIZE_SESSION_STATE_PRIVATE_H
#define SESSIONIZE_SESSION_STATE_PRIVATE_H

#include "session_state.h"

/* Most runs a state in the log holds before it moves to its array. */
#define SESS_MAX_RUNS	4

/* Bytewise comparison, NULL after every value (ORDER BY ... NULLS LAST). */
static inline int
sess_bytes_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c;

	if (alen < 0 || blen < 0)
		return (alen < 0) - (blen < 0);
	c = (Min(alen, blen) > 0) ? memcmp(a, b, Min(alen, blen)) : 0;
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/*
 * Where a view candidate's bytes are, its event id's first: inline or in
 * their own allocation.
 */
static inline const char *
sess_view_eid(const SessView *v)
{
	return (sess_view_size(v->eid_len, v->view_len) <= SESS_VIEW_INLINE)
		? v->b.inl : v->b.ext.p;
}

/* Session i (0 .. nsess - 1) of a SESSIONS-mode state, in start order. */
static inline SessSummary *
sess_state_session(SessState *st, int32 i)
{
	Assert(!st->use_log);
	return (i < st->nsess - 1) ? &st->sess[i] : &st->last;
}

/* session_state.c */
extern void sess_view_set(MemoryContext cxt, SessView *v, bool fresh,
						  TimestampTz ts, const char *eid, int32 eidlen,
						  const char *view, int32 viewlen);
extern void sess_reserve_sessions(SessState *st, int64 n);
extern SessSummary *sess_push_session(SessState *st);
extern void sess_unlog(SessState *st);
extern int	sess_event_cmp(const void *a, const void *b);
extern void sess_grow_events(SessState *st, int64 need, bool limited);
extern void sess_event_set(MemoryContext cxt, SessEventRec *e, TimestampTz ts,
						   int64 timeout_us, int64 engagement_ms,
						   bool start_event, const char *eid, int32 eidlen,
						   const char *key, int32 keylen,
						   const char *view, int32 viewlen);

/* session_wire.c: the session log's records */
extern SessLogRec *sess_log_append(SessLog *log, SessLogRec *prev,
								   const SessSummary *s);
extern void sess_log_read(const SessLogRec *rec, MemoryContext cxt,
						  SessSummary *s);
extern void sess_log_session_bounds(const SessState *st, const SessLogRec *rec,
									TimestampTz *start, TimestampTz *end,
									TimestampTz *expiry, int32 *day);

#endif							/* SESSIONIZE_SESSION_STATE_PRIVATE_H */
