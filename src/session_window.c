/*-------------------------------------------------------------------------
 *
 * session_window.c
 *	  Window functions that label every event with its session:
 *	  session_number, session_start, session_id, session_split_reason.
 *
 * All four share one implementation, window_common(), in the manner of
 * leadlag_common() in PostgreSQL's windowfuncs.c.  The executor calls a
 * window function once per row, in partition order; we keep the running
 * session in partition-local memory (zeroed by the executor at each new
 * partition), feed every counted event to sess_step() of the shared core,
 * and advance the window mark so the executor can forget earlier rows.
 * Memory is O(1) per partition (plus the longest split key seen).
 *
 * Argument layout, after the optional leading key of session_id:
 *	 ts, timeout, max_duration, day_boundary, split_key, start_event, counted
 * The defaults of the SQL declarations are always filled in by the planner,
 * so every call sees all of them.  Arguments the planner proves constant
 * (Const or external Param) are read and validated once per partition;
 * others are evaluated for each row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "session_core.h"

PG_FUNCTION_INFO_V1(sessionize_session_number_window);
PG_FUNCTION_INFO_V1(sessionize_session_start_window);
PG_FUNCTION_INFO_V1(sessionize_session_id_window);
PG_FUNCTION_INFO_V1(sessionize_session_split_reason_window);
PG_FUNCTION_INFO_V1(sessionize_session_id_text);

typedef enum WinKind
{
	WIN_NUMBER,
	WIN_START,
	WIN_ID,
	WIN_REASON
} WinKind;

/* Positions of the common arguments, relative to the first one (ts). */
enum
{
	ARG_TS = 0,
	ARG_TIMEOUT,
	ARG_MAX_DURATION,
	ARG_DAY_BOUNDARY,
	ARG_SPLIT_KEY,
	ARG_START_EVENT,
	ARG_COUNTED,
	NUM_COMMON_ARGS
};

/*
 * Per call site, kept in fn_extra for the life of the query: what does not
 * change between partitions, and buffers reused from one partition to the
 * next.
 */
typedef struct WinCache
{
	Oid			ts_type;		/* TIMESTAMPTZOID, TIMESTAMPOID or INT8OID */
	int			argoff;			/* 1 for session_id (key first), else 0 */
	bool		stable[NUM_COMMON_ARGS];	/* argument constant in query */

	/* split key of the previous counted event of the current partition */
	char	   *key;
	int			keylen;
	int			keycap;
	bool		key_null;

	/* time zone of the day rule, looked up again only when its name changes */
	char	   *tzname;
	SessDayCache day;

	/* session id of the current session (session_id only) */
	char	   *id;
	int			idlen;
	int			idcap;
	bool		id_null;
} WinCache;

/* Per partition, in memory the executor zeroes at each new partition. */
typedef struct WinPartition
{
	bool		initialized;
	int64		nextpos;		/* the row we expect to be called for */
	SessTracker tracker;
	int64		session_number;
	SessReason	reason;			/* reason of the current row */

	/* values of stable arguments, read at partition start */
	int64		timeout_us;
	int64		max_duration_us;
	bool		day_rule;		/* day_boundary given (not NULL) */
	bool		start_event;
	bool		counted;
	bool		have_key;		/* a split key has been recorded */
	int32		last_day;		/* local day of the previous counted event */
} WinPartition;

static WinCache *
get_cache(FunctionCallInfo fcinfo, WinKind kind)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	WinCache   *cache = (WinCache *) flinfo->fn_extra;

	if (cache == NULL)
	{
		int			i;

		cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(WinCache));
		cache->argoff = (kind == WIN_ID) ? 1 : 0;
		cache->ts_type = get_fn_expr_argtype(flinfo, cache->argoff + ARG_TS);
		if (cache->ts_type != TIMESTAMPTZOID &&
			cache->ts_type != TIMESTAMPOID &&
			cache->ts_type != INT8OID)
			elog(ERROR, "session window function called with unsupported timestamp type %u",
				 cache->ts_type);
		for (i = 0; i < NUM_COMMON_ARGS; i++)
			cache->stable[i] = get_fn_expr_arg_stable(flinfo, cache->argoff + i);
		flinfo->fn_extra = cache;
	}
	return cache;
}

/* Copy a varlena's bytes into a growable buffer of the query's lifetime. */
static void
buffer_set(MemoryContext cxt, char **buf, int *cap, const char *src, int len)
{
	if (len > *cap)
	{
		int			newcap = Max(len, 64);

		if (*buf)
			pfree(*buf);
		*buf = MemoryContextAlloc(cxt, newcap);
		*cap = newcap;
	}
	if (len > 0)
		memcpy(*buf, src, len);
}

/* Argument i (common numbering) of the current row. */
static inline Datum
get_arg(WindowObject winobj, WinCache *cache, int i, bool *isnull)
{
	return WinGetFuncArgCurrent(winobj, cache->argoff + i, isnull);
}

static int64
read_timeout(WindowObject winobj, WinCache *cache)
{
	bool		isnull;
	Datum		d = get_arg(winobj, cache, ARG_TIMEOUT, &isnull);

	if (isnull)
		sess_null_timeout_error();
	return sess_interval_usec(DatumGetIntervalP(d), "timeout");
}

static int64
read_max_duration(WindowObject winobj, WinCache *cache)
{
	bool		isnull;
	Datum		d = get_arg(winobj, cache, ARG_MAX_DURATION, &isnull);

	/* NULL is the declared default: no maximum session length */
	if (isnull)
		return SESS_NO_LIMIT;
	return sess_interval_usec(DatumGetIntervalP(d), "max_duration");
}

/* Read the day_boundary zone; false when NULL (day rule off). */
static bool
read_day_boundary(WindowObject winobj, WinCache *cache, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = get_arg(winobj, cache, ARG_DAY_BOUNDARY, &isnull);
	char	   *name;

	if (isnull)
		return false;
	name = text_to_cstring(DatumGetTextPP(d));
	if (cache->tzname == NULL || strcmp(cache->tzname, name) != 0)
	{
		pg_tz	   *tz = sess_lookup_tz(name);

		if (cache->tzname)
			pfree(cache->tzname);
		cache->tzname = MemoryContextStrdup(cxt, name);
		sess_day_cache_init(&cache->day, tz);
	}
	pfree(name);
	return true;
}

static bool
read_bool(WindowObject winobj, WinCache *cache, int i)
{
	bool		isnull;
	Datum		d = get_arg(winobj, cache, i, &isnull);

	/* NULL counts as false, as in FILTER (WHERE ...) */
	return !isnull && DatumGetBool(d);
}

static void
init_partition(WindowObject winobj, WinCache *cache, WinPartition *part,
			   MemoryContext cxt)
{
	part->initialized = true;
	part->nextpos = 0;
	part->session_number = 0;
	part->have_key = false;
	cache->key_null = false;
	cache->keylen = 0;

	if (cache->stable[ARG_TIMEOUT])
		part->timeout_us = read_timeout(winobj, cache);
	if (cache->stable[ARG_MAX_DURATION])
		part->max_duration_us = read_max_duration(winobj, cache);
	if (cache->stable[ARG_DAY_BOUNDARY])
		part->day_rule = read_day_boundary(winobj, cache, cxt);
	if (cache->stable[ARG_START_EVENT])
		part->start_event = read_bool(winobj, cache, ARG_START_EVENT);
	if (cache->stable[ARG_COUNTED])
		part->counted = read_bool(winobj, cache, ARG_COUNTED);
}

/* Event time of the current row as TimestampTz; false if NULL. */
static bool
read_ts(WindowObject winobj, WinCache *cache, TimestampTz *ts)
{
	bool		isnull;
	Datum		d = get_arg(winobj, cache, ARG_TS, &isnull);

	if (isnull)
		return false;
	if (cache->ts_type == INT8OID)
		*ts = sess_epoch_ms_to_ts(DatumGetInt64(d));
	else
	{
		*ts = DatumGetTimestampTz(d);
		sess_check_finite(*ts);
	}
	return true;
}

/* Has the split key changed since the previous counted event? */
static bool
split_key_changed(WindowObject winobj, WinCache *cache, WinPartition *part,
				  MemoryContext cxt)
{
	bool		isnull;
	Datum		d;
	text	   *t;
	const char *p;
	int			len;
	bool		changed;

	/* a constant key never changes */
	if (cache->stable[ARG_SPLIT_KEY])
		return false;

	d = get_arg(winobj, cache, ARG_SPLIT_KEY, &isnull);
	if (isnull)
	{
		changed = part->have_key && !cache->key_null;
		cache->key_null = true;
		cache->keylen = 0;
		part->have_key = true;
		return changed;
	}
	t = DatumGetTextPP(d);
	p = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);
	changed = part->have_key &&
		(cache->key_null || cache->keylen != len ||
		 (len > 0 && memcmp(cache->key, p, len) != 0));
	if (!part->have_key || changed)
	{
		buffer_set(cxt, &cache->key, &cache->keycap, p, len);
		cache->keylen = len;
		cache->key_null = false;
		part->have_key = true;
	}
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return changed;
}

/* Build the id of the session that starts at the current row. */
static void
make_session_id(WindowObject winobj, WinCache *cache, WinPartition *part,
				MemoryContext cxt)
{
	bool		isnull;
	Datum		d = WinGetFuncArgCurrent(winobj, 0, &isnull);
	text	   *t;
	int			keylen;
	char		suffix[SESS_ID_SUFFIX_MAX];
	int			slen;

	cache->id_null = isnull;
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	keylen = VARSIZE_ANY_EXHDR(t);
	slen = sess_format_id(suffix, sizeof(suffix), part->tracker.start);
	if (keylen + slen > cache->idcap)
	{
		if (cache->id)
			pfree(cache->id);
		cache->idcap = Max(keylen + slen, 64);
		cache->id = MemoryContextAlloc(cxt, cache->idcap);
	}
	memcpy(cache->id, VARDATA_ANY(t), keylen);
	memcpy(cache->id + keylen, suffix, slen);
	cache->idlen = keylen + slen;
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
}

static Datum
ts_result(WinCache *cache, TimestampTz ts)
{
	if (cache->ts_type == INT8OID)
		return Int64GetDatum(sess_ts_to_epoch_ms(ts));
	return TimestampTzGetDatum(ts);
}

static Datum
window_common(FunctionCallInfo fcinfo, WinKind kind)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	WinCache   *cache = get_cache(fcinfo, kind);
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	WinPartition *part;
	int64		curpos;
	SessEvent	ev;
	TimestampTz ts;

	part = (WinPartition *) WinGetPartitionLocalMemory(winobj,
													   sizeof(WinPartition));
	if (!part->initialized)
		init_partition(winobj, cache, part, cxt);

	/*
	 * The executor calls us for every row of the partition in order.  We
	 * never look back, so earlier rows may be released.
	 */
	curpos = WinGetCurrentPosition(winobj);
	if (curpos != part->nextpos)
		elog(ERROR, "session window function called out of row order (row " INT64_FORMAT ", expected " INT64_FORMAT ")",
			 curpos, part->nextpos);
	part->nextpos++;
	WinSetMarkPosition(winobj, curpos);
	CHECK_FOR_INTERRUPTS();

	part->reason = SESS_CONTINUES;

	/* excluded events and NULL timestamps take no part in the rules */
	if (!(cache->stable[ARG_COUNTED] ? part->counted
		  : read_bool(winobj, cache, ARG_COUNTED)))
		PG_RETURN_NULL();
	if (!read_ts(winobj, cache, &ts))
		PG_RETURN_NULL();
	if (part->tracker.active)
		sess_check_order(part->tracker.last, ts);

	ev.ts = ts;
	ev.timeout_us = cache->stable[ARG_TIMEOUT] ? part->timeout_us
		: read_timeout(winobj, cache);
	ev.max_duration_us = cache->stable[ARG_MAX_DURATION] ? part->max_duration_us
		: read_max_duration(winobj, cache);
	ev.day_changed = false;
	if (cache->stable[ARG_DAY_BOUNDARY] ? part->day_rule
		: read_day_boundary(winobj, cache, cxt))
	{
		/*
		 * Both dates in this event's zone.  With a constant zone the previous
		 * event's date is the one computed last time; a per-row zone may
		 * have changed, so it is recomputed.
		 */
		int32		day = sess_local_day(&cache->day, ts);

		if (part->tracker.active)
		{
			int32		prev = cache->stable[ARG_DAY_BOUNDARY] ? part->last_day
				: sess_local_day(&cache->day, part->tracker.last);

			ev.day_changed = (day != prev);
		}
		part->last_day = day;
	}
	ev.key_changed = split_key_changed(winobj, cache, part, cxt);
	ev.start_event = cache->stable[ARG_START_EVENT] ? part->start_event
		: read_bool(winobj, cache, ARG_START_EVENT);

	part->reason = sess_step(&part->tracker, &ev);
	if (part->reason != SESS_CONTINUES)
	{
		part->session_number++;
		if (kind == WIN_ID)
			make_session_id(winobj, cache, part, cxt);
	}

	switch (kind)
	{
		case WIN_NUMBER:
			PG_RETURN_INT64(part->session_number);
		case WIN_START:
			return ts_result(cache, part->tracker.start);
		case WIN_ID:
			if (cache->id_null)
				PG_RETURN_NULL();
			PG_RETURN_TEXT_P(cstring_to_text_with_len(cache->id, cache->idlen));
		case WIN_REASON:
			if (part->reason == SESS_CONTINUES)
				PG_RETURN_NULL();
			PG_RETURN_TEXT_P(cstring_to_text(sess_reason_name(part->reason)));
	}
	pg_unreachable();
}

Datum
sessionize_session_number_window(PG_FUNCTION_ARGS)
{
	return window_common(fcinfo, WIN_NUMBER);
}

Datum
sessionize_session_start_window(PG_FUNCTION_ARGS)
{
	return window_common(fcinfo, WIN_START);
}

Datum
sessionize_session_id_window(PG_FUNCTION_ARGS)
{
	return window_common(fcinfo, WIN_ID);
}

Datum
sessionize_session_split_reason_window(PG_FUNCTION_ARGS)
{
	return window_common(fcinfo, WIN_REASON);
}

/*
 * sessionize_session_id(key, start): the id session_id() gives the session of
 * key that starts at start.  The generated session views and tables call it,
 * so that their ids are those of the window function, dates BC included.
 */
Datum
sessionize_session_id_text(PG_FUNCTION_ARGS)
{
	text	   *key = PG_GETARG_TEXT_PP(0);
	TimestampTz start = PG_GETARG_TIMESTAMPTZ(1);
	int			keylen = VARSIZE_ANY_EXHDR(key);
	char		suffix[SESS_ID_SUFFIX_MAX];
	int			slen;
	text	   *result;

	if (TIMESTAMP_NOT_FINITE(start))
		sess_infinite_error(start);
	slen = sess_format_id(suffix, sizeof(suffix), start);
	result = (text *) palloc(VARHDRSZ + keylen + slen);
	SET_VARSIZE(result, VARHDRSZ + keylen + slen);
	memcpy(VARDATA(result), VARDATA_ANY(key), keylen);
	memcpy(VARDATA(result) + keylen, suffix, slen);
	PG_RETURN_TEXT_P(result);
}
