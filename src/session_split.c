/*-------------------------------------------------------------------------
 *
 * session_split.c
 *	  session_split(state): one state per session of a sessionstate.
 *
 * A session table keeps one state per session (docs/session-tables.md).  A
 * refresh aggregates the new events of a partition into one state with
 * session_agg (a hash aggregate: no sort, no window pass), merges it with
 * the stored sessions the new events can join, and needs the result back as
 * one state per session, to store each: that is this function.
 *
 * Each state it returns holds exactly one session of the input, under the
 * input's rules, and reads (sessions(), session_merge()) as that session:
 *
 *	 SESSIONS mode: the input's header with a count of 1, then the session's
 *		bytes as they are.  Nothing is decoded but the header and the bounds
 *		of each session (the validating reader), so the cost is one copy.
 *		With a fixed timeout the result is byte for byte what session_agg
 *		makes of that session's events alone; with a timeout per row the
 *		header keeps the input's smallest timeout, which every session's
 *		expiry still satisfies.
 *	 EVENTS mode (max_duration, split_key, start_event): a session is a run
 *		of consecutive events of the state (they are stored in order), so
 *		each result holds the events of one session.  The sessions are
 *		derived once (sess_state_sessions()), their event counts give the
 *		runs.  Read alone, a session's events make the same session: its
 *		first event starts one and no rule splits the others (they did not
 *		before); its split_reason then reads 'first'.
 *
 * Value per call: called in a select list, a LIMIT stops the reading early
 * (in FROM or LATERAL, PostgreSQL collects every row first; in EVENTS mode
 * the sessions are derived before the first row either way).  What a call
 * keeps between rows is the (detoasted) input and, in EVENTS mode, the
 * bounds, event count and first event of each session (32 bytes each): the
 * decoded events and summaries are freed before the first row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "session_state.h"

PG_FUNCTION_INFO_V1(sessionize_session_split);

#define SPLIT_COLS	4

/* The row type, blessed, and the state type it was made for. */
static TupleDesc split_desc = NULL;
static Oid	split_desc_type = InvalidOid;

typedef struct SplitCtx
{
	SessReader	r;				/* SESSIONS mode: reads the input in place */
	const char *data;			/* the input's binary form */
	int			hdr_len;		/* bytes of its header, count excluded */
	/* EVENTS mode: the sessions, and where the events of each start */
	TimestampTz *starts;
	TimestampTz *ends;
	int64	   *counts;
	int64		nsess;
	int64		next;
	int64	   *ev_off;			/* nsess + 1 offsets into data */
	bool		events_mode;
} SplitCtx;

/* Bytes of one event of the binary form at p (validated before). */
static int
event_wire_size(const char *p)
{
	int			off = 8 * 3 + 1;
	int			k;

	for (k = 0; k < 3; k++)
	{
		int32		len = sess_get_i32(p + off);

		off += 4 + Max(len, 0);
	}
	return off;
}

/* A state of the input's header with one session's bytes [from, to). */
static bytea *
one_session_state(const SplitCtx *c, int64 count, int from, int to)
{
	Size		size = VARHDRSZ + c->hdr_len + 8 + (to - from);
	bytea	   *out = palloc(size);
	char	   *p = VARDATA(out);

	SET_VARSIZE(out, size);
	memcpy(p, c->data, c->hdr_len);
	p = sess_put_i64(p + c->hdr_len, count);
	memcpy(p, c->data + from, to - from);
	return out;
}

Datum
sessionize_session_split(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SplitCtx   *c;
	Datum		values[SPLIT_COLS];
	bool		nulls[SPLIT_COLS] = {false, false, false, false};
	TimestampTz start;
	TimestampTz end;
	int64		events;
	bytea	   *state;

	if (SRF_IS_FIRSTCALL())
	{
		TupleDesc	tupdesc;
		MemoryContext oldcxt;
		bytea	   *b;
		int			len;
		Oid			argtype;

		funcctx = SRF_FIRSTCALL_INIT();

		/*
		 * The row type once per backend, not once per state: a refresh calls
		 * this for every partition it touches, and looking the type up each
		 * time would cost more than the split.  (fn_extra belongs to the
		 * value-per-call machinery.)  Looked up again when the state type
		 * is another (the extension was made again).
		 */
		argtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
		if (split_desc == NULL || split_desc_type != argtype)
		{
			TupleDesc	rettype;

			if (get_call_result_type(fcinfo, NULL, &rettype) != TYPEFUNC_COMPOSITE)
				elog(ERROR, "return type of session_split() must be a row type");
			if (rettype->natts != SPLIT_COLS)
				elog(ERROR, "session_split() must return %d columns", SPLIT_COLS);
			oldcxt = MemoryContextSwitchTo(TopMemoryContext);
			tupdesc = BlessTupleDesc(CreateTupleDescCopy(rettype));
			MemoryContextSwitchTo(oldcxt);
			/*
			 * (the previous one is left allocated: a call under way, which
			 * the new extension's calls could interrupt from inside the
			 * same query, may still form its rows with it)
			 */
			split_desc = tupdesc;
			split_desc_type = argtype;
		}
		funcctx->tuple_desc = split_desc;
		oldcxt = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		c = palloc0(sizeof(SplitCtx));
		/* detoasted into the call's context: the reader points into it */
		b = PG_GETARG_BYTEA_PP(0);
		c->data = VARDATA_ANY(b);
		len = VARSIZE_ANY_EXHDR(b);
		sess_reader_open(&c->r, c->data, len);
		c->hdr_len = c->r.off - 8;
		if (c->r.rules.mode == SESS_MODE_EVENTS)
		{
			/*
			 * The sessions are derived from the decoded state in a context
			 * of their own, deleted once their bounds and counts are copied:
			 * the decoded events and summaries take several times the input
			 */
			MemoryContext work = AllocSetContextCreate(CurrentMemoryContext,
													   "session_split",
													   ALLOCSET_DEFAULT_SIZES);
			MemoryContext callcxt = MemoryContextSwitchTo(work);
			SessState  *st = sess_state_deserialize(work, c->data, len, NULL);
			SessSummary *sess = sess_state_sessions(st, &c->nsess);
			int64		i;
			int64		off = c->r.off;

			MemoryContextSwitchTo(callcxt);
			c->events_mode = true;
			c->starts = palloc_extended(c->nsess * sizeof(TimestampTz) + 1, MCXT_ALLOC_HUGE);
			c->ends = palloc_extended(c->nsess * sizeof(TimestampTz) + 1, MCXT_ALLOC_HUGE);
			c->counts = palloc_extended(c->nsess * sizeof(int64) + 1, MCXT_ALLOC_HUGE);
			c->ev_off = palloc_extended((c->nsess + 1) * sizeof(int64),
										MCXT_ALLOC_HUGE);
			for (i = 0; i < c->nsess; i++)
			{
				int64		k;

				c->starts[i] = sess[i].start;
				c->ends[i] = sess[i].end;
				c->counts[i] = sess[i].events;
				c->ev_off[i] = off;
				for (k = 0; k < sess[i].events; k++)
				{
					CHECK_FOR_INTERRUPTS();
					off += event_wire_size(c->data + off);
				}
			}
			c->ev_off[c->nsess] = off;
			MemoryContextDelete(work);
			if (off != len)
				elog(ERROR, "session_split(): the sessions do not cover the events of the state");
		}
		funcctx->user_fctx = c;
		MemoryContextSwitchTo(oldcxt);
	}
	funcctx = SRF_PERCALL_SETUP();
	c = funcctx->user_fctx;

	if (c->events_mode)
	{
		if (c->next >= c->nsess)
			SRF_RETURN_DONE(funcctx);
		start = c->starts[c->next];
		end = c->ends[c->next];
		events = c->counts[c->next];
		state = one_session_state(c, events, c->ev_off[c->next],
								  c->ev_off[c->next + 1]);
		c->next++;
	}
	else
	{
		SessSummary s;
		int			from = c->r.off;

		/* validates the session (and, at the end, that nothing follows) */
		if (!sess_reader_next(&c->r, &s))
		{
			sess_reader_close(&c->r);
			SRF_RETURN_DONE(funcctx);
		}
		start = s.start;
		end = s.end;
		events = s.events;
		state = one_session_state(c, 1, from, c->r.off);
	}
	values[0] = TimestampTzGetDatum(start);
	values[1] = TimestampTzGetDatum(end);
	values[2] = Int64GetDatum(events);
	values[3] = PointerGetDatum(state);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}
