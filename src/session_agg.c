/*-------------------------------------------------------------------------
 *
 * session_agg.c
 *	  The type sessionstate and the aggregates over it: session_agg,
 *	  session_merge, and the functions that read a state (sessions,
 *	  session_count, session_event_count).
 *
 * The aggregates keep an `internal` SessState (session_state.c) while they
 * run, with combine, serialize and deserialize functions for parallel plans,
 * and return the storable sessionstate.  Every way a state enters from
 * outside (text input, binary receive, the bytea cast, deserialize) goes
 * through sess_state_deserialize(), which validates every byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/int.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "executor/tuptable.h"
#include "utils/tuplestore.h"

#include "session_state.h"

PG_FUNCTION_INFO_V1(sessionize_state_in);
PG_FUNCTION_INFO_V1(sessionize_state_out);
PG_FUNCTION_INFO_V1(sessionize_state_recv);
PG_FUNCTION_INFO_V1(sessionize_state_send);
PG_FUNCTION_INFO_V1(sessionize_state_from_bytea);
PG_FUNCTION_INFO_V1(sessionize_rules);
PG_FUNCTION_INFO_V1(sessionize_agg_transfn);
PG_FUNCTION_INFO_V1(sessionize_merge_transfn);
PG_FUNCTION_INFO_V1(sessionize_agg_combinefn);
PG_FUNCTION_INFO_V1(sessionize_merge_combinefn);
PG_FUNCTION_INFO_V1(sessionize_agg_serialfn);
PG_FUNCTION_INFO_V1(sessionize_agg_deserialfn);
PG_FUNCTION_INFO_V1(sessionize_agg_finalfn);
PG_FUNCTION_INFO_V1(sessionize_merge2);
PG_FUNCTION_INFO_V1(sessionize_sessions);
PG_FUNCTION_INFO_V1(sessionize_session_count);
PG_FUNCTION_INFO_V1(sessionize_session_event_count);

/* ------------------------------------------------------------ the type */

static void
state_validate(const char *data, int len)
{
	/* parse in a throwaway context: only the validation matters here */
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "sessionstate validation",
											  ALLOCSET_DEFAULT_SIZES);

	sess_state_deserialize(tmp, data, len, NULL);
	MemoryContextDelete(tmp);
}

static const SessStateType sessionstate_type = {"sessionstate", state_validate};

static SessState *
state_from_datum(MemoryContext cxt, Datum d, SessRules *shared)
{
	bytea	   *b = DatumGetByteaPP(d);

	return sess_state_deserialize(cxt, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), shared);
}

/* Text form: the binary form in hexadecimal. */
Datum
sessionize_state_in(PG_FUNCTION_ARGS)
{
	return sess_type_in(fcinfo, &sessionstate_type);
}

/* Output and send depend on the bytes only: viewingstate uses them too. */
Datum
sessionize_state_out(PG_FUNCTION_ARGS)
{
	return sess_type_out(fcinfo);
}

Datum
sessionize_state_recv(PG_FUNCTION_ARGS)
{
	return sess_type_recv(fcinfo, &sessionstate_type);
}

Datum
sessionize_state_send(PG_FUNCTION_ARGS)
{
	return sess_type_send(fcinfo);
}

/* CAST (bytea AS sessionstate): the bytes must be a valid state. */
Datum
sessionize_state_from_bytea(PG_FUNCTION_ARGS)
{
	return sess_type_from_bytea(fcinfo, &sessionstate_type);
}

/* ------------------------------------------------------ session_agg */

/*
 * Positions of session_agg's arguments in the transition function (0 is the
 * state).  Overloads: (ts, timeout), (+ view_name, engagement_ms),
 * (+ event_id, rules), (+ split_key, start_event).
 */
#define TA_TS			1
#define TA_TIMEOUT		2
#define TA_VIEW			3
#define TA_ENGAGEMENT	4
#define TA_EVENT_ID		5
#define TA_RULES		6
#define TA_SPLIT_KEY	7
#define TA_START_EVENT	8

/* Per call site: the last timeout converted, and the rules of the call. */
typedef struct AggCache
{
	bool		valid;
	Interval	last;
	int64		usec;
	bool		rules_checked;
	bool		rules_const;	/* the rules argument is the same every row */
	SessRules  *rules;			/* constant rules, in fn_mcxt */
	bool		timeout_checked;
	bool		timeout_per_row;	/* the timeout argument is not constant */
	SessLog    *log;			/* completed sessions of the states in log->cxt */
} AggCache;

static AggCache *
agg_cache(FunctionCallInfo fcinfo)
{
	AggCache   *cache = (AggCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(AggCache));
	return cache;
}

/*
 * Validate the fields of a sessionrules value (max_duration, day_boundary,
 * engaged_duration, engaged_views) into r; NULL fields take the defaults.
 */
static void
rules_from_fields(SessRules *r, Datum *v, bool *isnull)
{
	if (!isnull[0])
		r->max_duration_us = sess_interval_usec(DatumGetIntervalP(v[0]), "max_duration");
	if (!isnull[1])
	{
		/* the zone's canonical name, so that 'utc' and 'UTC' states merge */
		char	   *name = TextDatumGetCString(v[1]);
		pg_tz	   *tz = sess_lookup_tz(name);

		r->tzname = pstrdup(pg_get_timezone_name(tz));
		sess_day_cache_init(&r->day, tz);
	}
	if (!isnull[2])
		r->engaged_duration_ms =
			sess_interval_usec(DatumGetIntervalP(v[2]), "engaged_duration") / 1000;
	if (!isnull[3])
	{
		r->engaged_views = DatumGetInt32(v[3]);
		if (r->engaged_views < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("engaged_views must not be negative"),
					 errdetail("engaged_views is %d.", r->engaged_views),
					 errhint("A session with at least engaged_views views is engaged; the default is 2.")));
	}
}

static void
rules_defaults(SessRules *r)
{
	memset(r, 0, sizeof(*r));
	r->max_duration_us = SESS_NO_LIMIT;
	r->engaged_duration_ms = SESS_DEFAULT_ENGAGED_MS;
	r->engaged_views = SESS_DEFAULT_ENGAGED_VIEWS;
}

/* Rules from the current row's arguments, into r (nothing allocated). */
static void
rules_of_row(FunctionCallInfo fcinfo, SessRules *r)
{
	int			nargs = PG_NARGS();

	rules_defaults(r);
	r->key_rules = (nargs > TA_START_EVENT);
	if (nargs > TA_RULES && !PG_ARGISNULL(TA_RULES))
	{
		HeapTupleHeader th = PG_GETARG_HEAPTUPLEHEADER(TA_RULES);
		Datum		v[4];
		bool		isnull[4];
		int			i;

		for (i = 0; i < 4; i++)
			v[i] = GetAttributeByNum(th, i + 1, &isnull[i]);
		rules_from_fields(r, v, isnull);
	}
	r->mode = (r->key_rules || r->max_duration_us != SESS_NO_LIMIT)
		? SESS_MODE_EVENTS : SESS_MODE_SESSIONS;
}

/*
 * Is argument argno of this session_agg call the same for every row?  Read
 * from the Aggref: a constant (after constant folding, session_rules(...)
 * with constant arguments is one) or a query parameter is.  As a window
 * aggregate there is no Aggref: answer no, the safe side.
 */
static bool
arg_is_constant(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	if (aggref == NULL || list_length(aggref->args) < argno)
		return false;
	tle = (TargetEntry *) list_nth(aggref->args, argno - 1);
	if (IsA(tle->expr, Const))
		return true;
	return IsA(tle->expr, Param) && ((Param *) tle->expr)->paramkind == PARAM_EXTERN;
}

/*
 * The rules for a new group's state.  Constant rules (the usual case) are
 * built once per call and shared by every group; rules from a per-row
 * expression are built for each group, in the aggregate's memory.
 */
static SessRules *
new_state_rules(FunctionCallInfo fcinfo, AggCache *cache, MemoryContext aggcxt)
{
	SessRules	r;

	if (!cache->rules_checked)
	{
		cache->rules_const = PG_NARGS() <= TA_RULES || arg_is_constant(fcinfo, TA_RULES);
		cache->rules_checked = true;
	}
	if (cache->rules_const && cache->rules)
		return cache->rules;
	rules_of_row(fcinfo, &r);
	if (cache->rules_const)
	{
		cache->rules = sess_rules_copy(fcinfo->flinfo->fn_mcxt, &r);
		return cache->rules;
	}
	return sess_rules_copy(aggcxt, &r);
}

/* Rules from a per-row expression must not change within one group. */
static void
check_row_rules(FunctionCallInfo fcinfo, AggCache *cache, SessState *st)
{
	SessRules	r;

	if (cache->rules_const)
		return;
	rules_of_row(fcinfo, &r);
	if (!sess_rules_equal(&r, st->rules))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session rules must be the same for every event of one session_agg"),
				 errdetail("The rules argument changed between events of one group."),
				 errhint("Pass one session_rules(...) value per group, for example from a constant or a grouping column.")));
}

/*
 * session_rules(max_duration, day_boundary, engaged_duration, engaged_views):
 * a validated sessionrules value.
 */
Datum
sessionize_rules(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		v[4];
	bool		isnull[4];
	SessRules	r;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type of session_rules() must be a row type");
	for (i = 0; i < 4; i++)
	{
		isnull[i] = PG_ARGISNULL(i);
		v[i] = isnull[i] ? (Datum) 0 : PG_GETARG_DATUM(i);
	}
	rules_defaults(&r);
	rules_from_fields(&r, v, isnull);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, v, isnull)));
}

static pg_attribute_always_inline void
text_arg(FunctionCallInfo fcinfo, int argno, const char **p, int32 *len)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
	{
		*p = NULL;
		*len = -1;
	}
	else
	{
		struct varlena *t = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

		/* PG_GETARG_TEXT_PP without a call for the usual in-line value */
		if (VARATT_IS_EXTERNAL(t) || VARATT_IS_COMPRESSED(t))
			t = pg_detoast_datum_packed(t);
		*p = VARDATA_ANY(t);
		*len = VARSIZE_ANY_EXHDR(t);
	}
}

Datum
sessionize_agg_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SessState  *st;
	SessInput	in;
	AggCache   *cache;
	Interval   *iv;
	SessRules  *rules;

	cache = agg_cache(fcinfo);
	if (PG_ARGISNULL(0))
	{
		/* (a state, of type internal, only ever comes from an aggregate) */
		if (!AggCheckCallContext(fcinfo, &aggcxt))
			elog(ERROR, "session_agg transition function called in non-aggregate context");
		if (!cache->timeout_checked)
		{
			/*
			 * States built with a constant timeout refuse to merge with
			 * states of another timeout; per-row timeouts merge freely.  As
			 * a window aggregate (no Aggref), count as constant until the
			 * events show two different timeouts.
			 */
			cache->timeout_per_row = AggGetAggref(fcinfo) != NULL &&
				!arg_is_constant(fcinfo, TA_TIMEOUT);
			cache->timeout_checked = true;
		}
		rules = new_state_rules(fcinfo, cache, aggcxt);

		/*
		 * Completed sessions go to one log per aggregate context.  Should
		 * another context hold states of this call at the same time (sorted
		 * grouping sets), its states keep their sessions in arrays.
		 */
		st = sess_state_create(aggcxt, rules);
		if (rules->mode == SESS_MODE_SESSIONS)
		{
			if (cache->log == NULL)
				sess_log_create(aggcxt, &cache->log);
			if (cache->log->cxt == aggcxt)
				sess_state_use_log(st, cache->log);
		}
		st->timeout_per_row = cache->timeout_per_row;
	}
	else
		st = (SessState *) PG_GETARG_POINTER(0);

	/* a NULL timestamp excludes the event, as everywhere */
	if (PG_ARGISNULL(TA_TS))
		PG_RETURN_POINTER(st);
	in.ts = PG_GETARG_TIMESTAMPTZ(TA_TS);
	sess_check_finite(in.ts);

	/* rules given per row must not change within one state */
	if (PG_NARGS() > TA_RULES)
		check_row_rules(fcinfo, cache, st);

	if (PG_ARGISNULL(TA_TIMEOUT))
		sess_null_timeout_error();
	iv = PG_GETARG_INTERVAL_P(TA_TIMEOUT);
	if (!cache->valid || memcmp(&cache->last, iv, sizeof(Interval)) != 0)
	{
		cache->usec = sess_interval_usec(iv, "timeout");
		cache->last = *iv;
		cache->valid = true;
	}
	in.timeout_us = cache->usec;

	text_arg(fcinfo, TA_VIEW, &in.view, &in.view_len);
	in.engagement_ms = 0;
	if (PG_NARGS() > TA_ENGAGEMENT && !PG_ARGISNULL(TA_ENGAGEMENT))
	{
		in.engagement_ms = PG_GETARG_INT64(TA_ENGAGEMENT);
		if (in.engagement_ms < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("engagement_ms must not be negative"),
					 errdetail("The event's engagement time is " INT64_FORMAT " ms.", in.engagement_ms),
					 errhint("Pass NULL or 0 for events without engagement time.")));
	}
	text_arg(fcinfo, TA_EVENT_ID, &in.eid, &in.eid_len);
	text_arg(fcinfo, TA_SPLIT_KEY, &in.key, &in.key_len);
	in.start_event = PG_NARGS() > TA_START_EVENT && !PG_ARGISNULL(TA_START_EVENT) &&
		PG_GETARG_BOOL(TA_START_EVENT);

	if (!sess_state_add_fast(st, &in))
		sess_state_add(st, &in);
	PG_RETURN_POINTER(st);
}

/* session_merge(sessionstate): transition over stored states. */
Datum
sessionize_merge_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SessState  *st;
	SessState  *in;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "session_merge transition function called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (SessState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}

	in = state_from_datum(aggcxt, PG_GETARG_DATUM(1), st ? st->rules : NULL);
	if (st == NULL)
		PG_RETURN_POINTER(in);
	sess_state_merge(st, in, true, true);
	PG_RETURN_POINTER(st);
}

static Datum
combine_common(FunctionCallInfo fcinfo, bool check_timeout)
{
	MemoryContext aggcxt;
	SessState  *a;
	SessState  *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "session combine function called in non-aggregate context");
	a = PG_ARGISNULL(0) ? NULL : (SessState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (SessState *) PG_GETARG_POINTER(1);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}

	/*
	 * A state our deserialize function just built in this aggregate context
	 * belongs to nobody else: take it, or move its sessions.  Any other
	 * (partial states of another node) is copied.
	 */
	if (a == NULL)
	{
		if (b->cxt == aggcxt)
			PG_RETURN_POINTER(b);
		a = sess_state_create(aggcxt, b->rules);
	}
	sess_state_merge(a, b, check_timeout, b->cxt == aggcxt);
	PG_RETURN_POINTER(a);
}

Datum
sessionize_agg_combinefn(PG_FUNCTION_ARGS)
{
	return combine_common(fcinfo, false);
}

Datum
sessionize_merge_combinefn(PG_FUNCTION_ARGS)
{
	return combine_common(fcinfo, true);
}

Datum
sessionize_agg_serialfn(PG_FUNCTION_ARGS)
{
	SessState  *st = (SessState *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(sess_state_serialize(st));
}

Datum
sessionize_agg_deserialfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	AggCache   *cache;
	SessState  *st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "session deserialize function called in non-aggregate context");
	/* states of one aggregate share their rules */
	cache = agg_cache(fcinfo);
	st = state_from_datum(aggcxt, PG_GETARG_DATUM(0), cache->rules);
	if (cache->rules == NULL)
		cache->rules = sess_rules_copy(fcinfo->flinfo->fn_mcxt, st->rules);
	PG_RETURN_POINTER(st);
}

/* Final function of both aggregates: the storable state. */
Datum
sessionize_agg_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* serializing only sorts pending input: the state's meaning is unchanged */
	PG_RETURN_BYTEA_P(sess_state_serialize((SessState *) PG_GETARG_POINTER(0)));
}

/* session_merge(a, b): the sessions of the union of both event sets. */
Datum
sessionize_merge2(PG_FUNCTION_ARGS)
{
	SessState  *a;
	SessState  *b;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	a = state_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0), NULL);
	b = state_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(1), a->rules);
	sess_state_merge(a, b, true, true);
	PG_RETURN_BYTEA_P(sess_state_serialize(a));
}

/* ------------------------------------------------------------ reading */

/*
 * The columns of sessions(), as the install script declares them: seven
 * 8-byte values (session_number .. engagement_ms), entry_view and exit_view
 * (NULL for a session without views), engaged and split_reason.
 */
#define SESSIONS_COLS 11
#define SESSIONS_FIXED 7
#define SESSIONS_ENTRY 7
#define SESSIONS_EXIT 8

static const Oid sessions_types[SESSIONS_COLS] = {
	INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID, INT8OID, INT8OID,
	TEXTOID, TEXTOID, BOOLOID, TEXTOID
};

/*
 * Per call site of sessions(): a slot of the row type, a buffer to form rows
 * in, and the split reason texts.
 */
typedef struct SessionsCache
{
	TupleTableSlot *slot;
	char	   *buf;			/* MAXALIGNed, from palloc */
	Size		bufsize;
	const char *reasons[SESS_REASON_COUNT];
	int32		reason_lens[SESS_REASON_COUNT];
} SessionsCache;

/* Store a text value at data + off as heap_fill_tuple() does; new offset. */
static Size
put_text(char *data, Size off, const char *p, int32 len)
{
	if (len + VARHDRSZ_SHORT <= VARATT_SHORT_MAX)
	{
		/* a short varlena, unaligned */
		SET_VARSIZE_SHORT(data + off, len + VARHDRSZ_SHORT);
		memcpy(data + off + VARHDRSZ_SHORT, p, len);
		return off + VARHDRSZ_SHORT + len;
	}
	off = INTALIGN(off);
	SET_VARSIZE(data + off, len + VARHDRSZ);
	memcpy(data + off + VARHDRSZ, p, len);
	return off + VARHDRSZ + len;
}

/*
 * Add one session as a row.  The row is formed in place as
 * heap_form_minimal_tuple() would form it from the column values (the row
 * type is fixed: checked once per query), which saves that function's
 * per-column work, most of the cost of a row; the tuplestore keeps a copy.
 */
static void
put_session(Tuplestorestate *ts, SessionsCache *cache, const SessRules *rules,
			int64 number, const SessSummary *s,
			const char *entry, int32 entry_len, const char *exit, int32 exit_len)
{
	int64		fixed[SESSIONS_FIXED];
	const char *reason;
	int32		reason_len;
	bool		hasnull = (s->views == 0);
	Size		hoff;
	Size		need;
	Size		off;
	char	   *data;
	MinimalTuple tup;

	if (s->reason <= SESS_CONTINUES || s->reason >= SESS_REASON_COUNT)
		elog(ERROR, "invalid session split reason %d", s->reason);
	reason = cache->reasons[s->reason];
	reason_len = cache->reason_lens[s->reason];
	if (hasnull)
		entry_len = exit_len = 0;

	/* header and null bitmap, then the columns with their worst padding */
	hoff = MAXALIGN(SizeofMinimalTupleHeader + (hasnull ? BITMAPLEN(SESSIONS_COLS) : 0));
	need = hoff + sizeof(fixed) + 3 * (VARHDRSZ + 3) + 1 +
		(Size) entry_len + exit_len + reason_len;
	if (need > cache->bufsize)
	{
		pfree(cache->buf);
		cache->buf = MemoryContextAlloc(GetMemoryChunkContext(cache), need);
		cache->bufsize = need;
	}
	memset(cache->buf, 0, need);
	tup = (MinimalTuple) cache->buf;
	data = cache->buf + hoff;

	fixed[0] = number;
	fixed[1] = s->start;
	fixed[2] = s->end;
	fixed[3] = sess_duration_ms(s);
	fixed[4] = s->events;
	fixed[5] = s->views;
	fixed[6] = s->engagement_ms;
	memcpy(data, fixed, sizeof(fixed));	/* int8 and timestamptz: aligned */
	off = sizeof(fixed);
	if (!hasnull)
	{
		off = put_text(data, off, entry, entry_len);
		off = put_text(data, off, exit, exit_len);
	}
	data[off++] = (char) sess_engaged(rules, s);
	off = put_text(data, off, reason, reason_len);

	tup->t_len = hoff + off;
	tup->t_infomask2 = SESSIONS_COLS;
	tup->t_infomask = HEAP_HASVARWIDTH;
	tup->t_hoff = hoff + MINIMAL_TUPLE_OFFSET;
	if (hasnull)
	{
		int			i;

		tup->t_infomask |= HEAP_HASNULL;
		for (i = 0; i < SESSIONS_COLS; i++)
			if (i != SESSIONS_ENTRY && i != SESSIONS_EXIT)
				tup->t_bits[i / 8] |= 1 << (i % 8);
	}
	ExecStoreMinimalTuple(tup, cache->slot, false);
	tuplestore_puttupleslot(ts, cache->slot);
}

Datum
sessionize_sessions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SessionsCache *cache = (SessionsCache *) fcinfo->flinfo->fn_extra;
	Tuplestorestate *tupstore;
	MemoryContext oldcxt;
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	SessReader	r;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sessions() must be called where a set is accepted"),
				 errhint("Call it in FROM: SELECT * FROM sessions(state).")));
	if (cache == NULL)
	{
		/* once per query: the row type, checked, and the split reasons */
		TupleDesc	tupdesc;
		int			i;

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type of sessions() must be a row type");
		if (tupdesc->natts != SESSIONS_COLS)
			elog(ERROR, "sessions() must return %d columns", SESSIONS_COLS);
		for (i = 0; i < SESSIONS_COLS; i++)
			if (TupleDescAttr(tupdesc, i)->atttypid != sessions_types[i] ||
				TupleDescAttr(tupdesc, i)->attisdropped)
				elog(ERROR, "unexpected type of column %d of sessions()", i + 1);
		oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		cache = palloc0(sizeof(SessionsCache));
		cache->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(tupdesc),
											   &TTSOpsMinimalTuple);
		cache->bufsize = 256;
		cache->buf = palloc(cache->bufsize);
		for (i = SESS_FIRST; i < SESS_REASON_COUNT; i++)
		{
			cache->reasons[i] = sess_reason_name((SessReason) i);
			cache->reason_lens[i] = strlen(cache->reasons[i]);
		}
		MemoryContextSwitchTo(oldcxt);
		fcinfo->flinfo->fn_extra = cache;
	}

	/* setDesc stays NULL: the executor then uses the declared row type */
	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupstore = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
									 false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	MemoryContextSwitchTo(oldcxt);

	sess_reader_open(&r, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	if (r.rules.mode == SESS_MODE_SESSIONS)
	{
		/* straight from the bytes: nothing to build */
		SessSummary s;

		while (sess_reader_next(&r, &s))
			put_session(tupstore, cache, &r.rules, r.done, &s,
						r.entry.view, r.entry.view_len, r.exit.view, r.exit.view_len);
	}
	else
	{
		SessState  *st = state_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0), NULL);
		int64		n;
		int64		i;
		SessSummary *s = sess_state_sessions(st, &n);

		for (i = 0; i < n; i++)
		{
			bool		v = s[i].views > 0;

			CHECK_FOR_INTERRUPTS();
			put_session(tupstore, cache, st->rules, i + 1, &s[i],
						v ? sess_view_name(&s[i].entry) : NULL, v ? s[i].entry.view_len : 0,
						v ? sess_view_name(&s[i].exit) : NULL, v ? s[i].exit.view_len : 0);
		}
	}
	sess_reader_close(&r);
	return (Datum) 0;
}

/* Number of sessions and of events of a state, reading it once. */
static void
state_counts(Datum d, int64 *sessions, int64 *events)
{
	bytea	   *b = DatumGetByteaPP(d);
	SessReader	r;

	*sessions = *events = 0;
	sess_reader_open(&r, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	if (r.rules.mode == SESS_MODE_SESSIONS)
	{
		SessSummary s;

		while (sess_reader_next(&r, &s))
		{
			(*sessions)++;
			if (pg_add_s64_overflow(*events, s.events, events))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("session event count out of range")));
		}
	}
	else
	{
		SessState  *st = state_from_datum(CurrentMemoryContext, d, NULL);

		sess_state_sessions(st, sessions);
		*events = st->u.e.nev;
	}
	sess_reader_close(&r);
}

Datum
sessionize_session_count(PG_FUNCTION_ARGS)
{
	int64		sessions;
	int64		events;

	state_counts(PG_GETARG_DATUM(0), &sessions, &events);
	PG_RETURN_INT64(sessions);
}

Datum
sessionize_session_event_count(PG_FUNCTION_ARGS)
{
	int64		sessions;
	int64		events;

	state_counts(PG_GETARG_DATUM(0), &sessions, &events);
	PG_RETURN_INT64(events);
}
