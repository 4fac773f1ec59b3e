/*-------------------------------------------------------------------------
 *
 * viewing.c
 *	  Viewing time from player heartbeats: the type viewingstate, the
 *	  aggregates viewing_agg and viewing_merge, and the functions that read a
 *	  state (viewing_seconds, engaged_seconds, viewing_buckets,
 *	  viewing_start, viewing_end).
 *
 * A heartbeat at ts with period h says that the player was playing during
 * [ts, ts + h).  A viewer's viewing time is the measure of the union of
 * these spans, so duplicated, overlapping and jittered heartbeats never
 * count twice; engaged time is the measure of the union of the spans of the
 * engaged heartbeats.
 *
 * A state holds both unions as lists of spans in canonical form: sorted,
 * and separated by gaps (spans that touch or overlap are one span).  The
 * canonical form depends only on the set of covered instants, so the same
 * heartbeats give the same bytes whatever their order, the split into
 * partial states or the parallel plan.  Memory is O(spans), not O(heartbeats):
 * a viewer who watches without a pause is one span.
 *
 * Binary form (network byte order), also the parallel serialization:
 *	  uint8 'V', uint8 version (1), uint16 zero,
 *	  int32 number of viewing spans, int32 number of engaged spans,
 *	  then each span as int64 start, int64 end (microseconds, [start, end)).
 * Every way a state comes in from outside (text input, binary receive, the
 * bytea cast, deserialize) is validated byte by byte by vw_parse().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "access/htup_details.h"

#include "session_util.h"

PG_FUNCTION_INFO_V1(sessionize_viewing_in);
PG_FUNCTION_INFO_V1(sessionize_viewing_recv);
PG_FUNCTION_INFO_V1(sessionize_viewing_from_bytea);
PG_FUNCTION_INFO_V1(sessionize_viewing_transfn);
PG_FUNCTION_INFO_V1(sessionize_viewing_merge_transfn);
PG_FUNCTION_INFO_V1(sessionize_viewing_combinefn);
PG_FUNCTION_INFO_V1(sessionize_viewing_serialfn);
PG_FUNCTION_INFO_V1(sessionize_viewing_deserialfn);
PG_FUNCTION_INFO_V1(sessionize_viewing_finalfn);
PG_FUNCTION_INFO_V1(sessionize_viewing_merge2);
PG_FUNCTION_INFO_V1(sessionize_viewing_seconds);
PG_FUNCTION_INFO_V1(sessionize_engaged_seconds);
PG_FUNCTION_INFO_V1(sessionize_viewing_start);
PG_FUNCTION_INFO_V1(sessionize_viewing_end);
PG_FUNCTION_INFO_V1(sessionize_viewing_buckets);

#define VW_MAGIC		'V'
#define VW_VERSION		1
#define VW_HEADER		12		/* magic, version, zero, two counts */
#define VW_SPAN_BYTES	16

/* Pending (unsorted) spans wait until they outnumber this and the sorted. */
#define VW_MIN_PENDING	64

/* Most spans one list can hold: its binary form must fit a varlena. */
#define VW_MAX_SPANS	((int32) ((MaxAllocSize - VARHDRSZ - VW_HEADER) / (2 * VW_SPAN_BYTES)))

/* A covered time span [lo, hi), microseconds; lo < hi. */
typedef struct VwSpan
{
	TimestampTz lo;
	TimestampTz hi;
} VwSpan;

/*
 * A union of spans being built: s[0 .. sorted) is canonical, s[sorted .. n)
 * are pending spans in arrival order, swept in by vw_normalize().
 */
typedef struct VwList
{
	VwSpan	   *s;
	int32		n;
	int32		cap;
	int32		sorted;
} VwList;

/* The aggregate's internal state: everything lives in cxt. */
typedef struct VwState
{
	MemoryContext cxt;
	VwList		view;			/* union of all heartbeats */
	VwList		engaged;		/* union of the engaged heartbeats */
} VwState;

/* ------------------------------------------------------------- spans */

static VwState *
vw_new(MemoryContext cxt)
{
	VwState    *st = MemoryContextAllocZero(cxt, sizeof(VwState));

	st->cxt = cxt;
	return st;
}

static void
vw_too_many(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("viewing state too large"),
			 errdetail("A viewing state holds at most %d separate spans of viewing time.",
					   VW_MAX_SPANS),
			 errhint("Aggregate per viewer and per live session, or use a longer heartbeat.")));
}

/* Room for at least want spans. */
static void
vw_reserve(VwList *l, MemoryContext cxt, int64 want)
{
	int64		cap;

	if (want <= l->cap)
		return;
	if (want > VW_MAX_SPANS)
		vw_too_many();
	cap = Max(want, Max((int64) l->cap * 2, 8));
	cap = Min(cap, (int64) VW_MAX_SPANS);
	if (l->s == NULL)
		l->s = MemoryContextAlloc(cxt, cap * sizeof(VwSpan));
	else
		l->s = repalloc(l->s, cap * sizeof(VwSpan));
	l->cap = (int32) cap;
}

static int
vw_cmp(const void *a, const void *b)
{
	const VwSpan *x = (const VwSpan *) a;
	const VwSpan *y = (const VwSpan *) b;

	if (x->lo != y->lo)
		return (x->lo < y->lo) ? -1 : 1;
	if (x->hi != y->hi)
		return (x->hi < y->hi) ? -1 : 1;
	return 0;
}

/* Append span x to the canonical list out[0 .. *w), coalescing. */
static inline void
vw_emit(VwSpan *out, int32 *w, const VwSpan *x)
{
	if (*w > 0 && x->lo <= out[*w - 1].hi)
	{
		if (x->hi > out[*w - 1].hi)
			out[*w - 1].hi = x->hi;
	}
	else
		out[(*w)++] = *x;
}

/*
 * Merge two sorted runs of spans into out (room for na + nb), coalescing;
 * returns the number of spans written.  out may not overlap the inputs.
 */
static int32
vw_merge_runs(const VwSpan *a, int32 na, const VwSpan *b, int32 nb, VwSpan *out)
{
	int32		i = 0;
	int32		j = 0;
	int32		w = 0;

	while (i < na || j < nb)
	{
		if (((i + j) & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (j >= nb || (i < na && vw_cmp(&a[i], &b[j]) <= 0))
			vw_emit(out, &w, &a[i++]);
		else
			vw_emit(out, &w, &b[j++]);
	}
	return w;
}

/* Sweep the pending spans into the canonical part. */
static void
vw_normalize(VwList *l, MemoryContext cxt)
{
	int32		pending = l->n - l->sorted;
	VwSpan	   *out;

	if (pending == 0)
		return;
	qsort(l->s + l->sorted, pending, sizeof(VwSpan), vw_cmp);
	out = MemoryContextAlloc(cxt, (Size) l->cap * sizeof(VwSpan));
	l->n = vw_merge_runs(l->s, l->sorted, l->s + l->sorted, pending, out);
	l->sorted = l->n;
	pfree(l->s);
	l->s = out;
}

/*
 * Add span [lo, hi).  Heartbeats mostly come in time order: a span that
 * starts at or after the last one's start extends it or follows it, and the
 * list stays canonical.  Others wait as pending spans, swept in when they
 * outnumber the canonical ones, so memory stays within twice the spans.
 */
static inline void
vw_add(VwList *l, MemoryContext cxt, TimestampTz lo, TimestampTz hi)
{
	if (l->n == l->sorted && l->n > 0 && lo >= l->s[l->n - 1].lo)
	{
		VwSpan	   *last = &l->s[l->n - 1];

		if (lo <= last->hi)
		{
			if (hi > last->hi)
				last->hi = hi;
			return;
		}
	}
	else if (l->n > 0)
	{
		/* out of order: pending (swept in first when the list is full) */
		if (l->n == VW_MAX_SPANS && l->sorted < l->n)
			vw_normalize(l, cxt);
		if (l->n == l->cap)
			vw_reserve(l, cxt, (int64) l->n + 1);
		l->s[l->n].lo = lo;
		l->s[l->n].hi = hi;
		l->n++;
		if (l->n - l->sorted > Max(VW_MIN_PENDING, l->sorted))
			vw_normalize(l, cxt);
		return;
	}
	/* in order (or the first span): the list stays canonical */
	if (l->n == l->cap)
		vw_reserve(l, cxt, (int64) l->n + 1);
	l->s[l->n].lo = lo;
	l->s[l->n].hi = hi;
	l->n++;
	l->sorted = l->n;
}

/*
 * dst := dst union src.  The spans of src go through vw_add(): those after
 * dst's last span extend or follow it in place, the others wait as pending
 * spans, so that merging many states one by one stays O(n log n).
 */
static void
vw_list_merge(VwList *dst, const VwList *src, MemoryContext cxt)
{
	int32		i;

	for (i = 0; i < src->n; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		vw_add(dst, cxt, src->s[i].lo, src->s[i].hi);
	}
}

/* Total covered microseconds of a canonical list (fits uint64). */
static uint64
vw_measure(const VwSpan *s, int32 n)
{
	uint64		total = 0;
	int32		i;

	for (i = 0; i < n; i++)
		total += (uint64) s[i].hi - (uint64) s[i].lo;
	return total;
}

/* ------------------------------------------------------- binary form */

/* The state as a viewingstate varlena (normalizes st in place). */
static bytea *
vw_serialize(VwState *st)
{
	Size		size;
	bytea	   *out;
	char	   *p;
	int32		i;

	vw_normalize(&st->view, st->cxt);
	vw_normalize(&st->engaged, st->cxt);
	size = VW_HEADER + (Size) VW_SPAN_BYTES * (st->view.n + st->engaged.n);
	out = palloc(VARHDRSZ + size);
	SET_VARSIZE(out, VARHDRSZ + size);
	p = VARDATA(out);
	*p++ = VW_MAGIC;
	*p++ = VW_VERSION;
	*p++ = 0;
	*p++ = 0;
	p = sess_put_i32(p, st->view.n);
	p = sess_put_i32(p, st->engaged.n);
	for (i = 0; i < st->view.n; i++)
	{
		p = sess_put_i64(p, st->view.s[i].lo);
		p = sess_put_i64(p, st->view.s[i].hi);
	}
	for (i = 0; i < st->engaged.n; i++)
	{
		p = sess_put_i64(p, st->engaged.s[i].lo);
		p = sess_put_i64(p, st->engaged.s[i].hi);
	}
	Assert(p == VARDATA(out) + size);
	return out;
}

SESS_NORETURN static void vw_corrupt(const char *what) SESS_NORETURN_ATTR;

static void
vw_corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid viewing state"),
			 errdetail("The state is corrupt or not a viewingstate: %s.", what),
			 errhint("Viewing states come from viewing_agg() or viewing_merge(); rebuild it from the heartbeats.")));
}

/*
 * Read n canonical spans at p into out (may be NULL: check only): each
 * within the timestamp range, non-empty, sorted and apart from the next.
 */
static void
vw_read_spans(const char *p, int32 n, VwSpan *out, const char *what)
{
	TimestampTz prev_hi = 0;
	int32		i;

	for (i = 0; i < n; i++)
	{
		TimestampTz lo = sess_get_i64(p);
		TimestampTz hi = sess_get_i64(p + 8);

		p += VW_SPAN_BYTES;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (lo < MIN_TIMESTAMP || hi > END_TIMESTAMP)
			vw_corrupt(psprintf("a %s span lies outside the timestamp range", what));
		if (lo >= hi)
			vw_corrupt(psprintf("a %s span is empty or reversed", what));
		if (i > 0 && lo <= prev_hi)
			vw_corrupt(psprintf("%s spans are not sorted and apart", what));
		prev_hi = hi;
		if (out)
		{
			out[i].lo = lo;
			out[i].hi = hi;
		}
	}
}

/*
 * Validate the binary form data[0 .. len) completely, and when st is given
 * fill it with the spans.
 */
static void
vw_parse(const char *data, int64 len, VwState *st)
{
	int32		nv;
	int32		ne;
	int32		i;
	int32		j;
	VwSpan	   *v;
	VwSpan	   *e;

	if (len < VW_HEADER)
		vw_corrupt("it is shorter than its header");
	if (data[0] != VW_MAGIC)
		vw_corrupt("it does not start with the viewingstate mark");
	if (data[1] != VW_VERSION)
		vw_corrupt(psprintf("format version %d is not known", (unsigned char) data[1]));
	if (data[2] != 0 || data[3] != 0)
		vw_corrupt("reserved header bytes are not zero");
	nv = sess_get_i32(data + 4);
	ne = sess_get_i32(data + 8);
	if (nv < 0 || ne < 0 || nv > VW_MAX_SPANS || ne > VW_MAX_SPANS)
		vw_corrupt("a span count is out of range");
	if (len != VW_HEADER + (int64) VW_SPAN_BYTES * ((int64) nv + ne))
		vw_corrupt("its length does not match its span counts");

	/* both lists in memory, to check that engaged time is viewing time */
	v = palloc(Max(nv, 1) * sizeof(VwSpan));
	e = palloc(Max(ne, 1) * sizeof(VwSpan));
	vw_read_spans(data + VW_HEADER, nv, v, "viewing");
	vw_read_spans(data + VW_HEADER + (Size) VW_SPAN_BYTES * nv, ne, e, "engaged");
	for (i = 0, j = 0; i < ne; i++)
	{
		/* the viewing span that ends at or after e[i] must contain it */
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		while (j < nv && v[j].hi < e[i].hi)
			j++;
		if (j >= nv || v[j].lo > e[i].lo)
			vw_corrupt("engaged time lies outside viewing time");
	}
	if (st == NULL)
	{
		pfree(v);
		pfree(e);
		return;
	}
	st->view.s = v;
	st->view.n = st->view.sorted = nv;
	st->view.cap = Max(nv, 1);
	st->engaged.s = e;
	st->engaged.n = st->engaged.sorted = ne;
	st->engaged.cap = Max(ne, 1);
}

/* A validated state from a viewingstate or bytea datum, in cxt. */
static VwState *
vw_from_datum(MemoryContext cxt, Datum d)
{
	bytea	   *b = DatumGetByteaPP(d);
	VwState    *st = vw_new(cxt);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	vw_parse(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), st);
	MemoryContextSwitchTo(old);
	return st;
}

static void
vw_validate(const char *data, int len)
{
	vw_parse(data, len, NULL);
}

static const SessStateType viewingstate_type = {"viewingstate", vw_validate};

/*
 * The type (session_util.c).  Output and send write the bytes as they are,
 * whatever the type: viewingstate uses sessionstate's functions for them
 * (session_agg.c).
 */

Datum
sessionize_viewing_in(PG_FUNCTION_ARGS)
{
	return sess_type_in(fcinfo, &viewingstate_type);
}

Datum
sessionize_viewing_recv(PG_FUNCTION_ARGS)
{
	return sess_type_recv(fcinfo, &viewingstate_type);
}

/* CAST (bytea AS viewingstate): the bytes must be a valid state. */
Datum
sessionize_viewing_from_bytea(PG_FUNCTION_ARGS)
{
	return sess_type_from_bytea(fcinfo, &viewingstate_type);
}

/* ------------------------------------------------------- the aggregates */

/* Per call site: the last heartbeat interval converted. */
typedef struct VwCache
{
	bool		valid;
	Interval	last;
	int64		usec;
} VwCache;

/*
 * Length in microseconds of a heartbeat or bucket interval, which must be
 * positive (months and years have no fixed length and are refused).
 */
SESS_NORETURN static void not_positive(const Interval *iv, const char *argname,
									  const char *hint) SESS_NORETURN_ATTR;

static void
not_positive(const Interval *iv, const char *argname, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be positive", argname),
			 errdetail("The %s given is %s.", argname,
					   DatumGetCString(DirectFunctionCall1(interval_out,
														   IntervalPGetDatum(iv)))),
			 errhint("%s", hint)));
}

/*
 * Length in microseconds of a heartbeat or bucket interval, which must be
 * positive; months and years have no fixed length and are refused.
 */
static int64
positive_usec(const Interval *iv, const char *argname, const char *hint)
{
	int64		us;

#if PG_VERSION_NUM >= 170000
	if (INTERVAL_NOT_FINITE(iv))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite", argname),
				 errhint("%s", hint)));
#endif
	if (iv->month == 0)
	{
		int64		days_us;
		int64		total;

		if (!pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &days_us) &&
			!pg_add_s64_overflow(days_us, iv->time, &total) && total <= 0)
			not_positive(iv, argname, hint);
	}
	/* months, and lengths beyond int64, are sess_interval_usec()'s to judge */
	us = sess_interval_usec(iv, argname);
	if (us <= 0)
		not_positive(iv, argname, hint);
	return us;
}

static int64
heartbeat_usec(FunctionCallInfo fcinfo, const Interval *iv)
{
	VwCache    *c = (VwCache *) fcinfo->flinfo->fn_extra;
	int64		us;

	if (c == NULL)
		c = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VwCache));
	if (c->valid && memcmp(&c->last, iv, sizeof(Interval)) == 0)
		return c->usec;

	us = positive_usec(iv, "heartbeat",
					   "Pass the player's heartbeat period, for example interval '10 seconds'.");
	c->last = *iv;
	c->usec = us;
	c->valid = true;
	return us;
}

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return aggcxt;
}

/*
 * viewing_agg(ts, heartbeat, engaged): a NULL ts skips the row; a NULL
 * engaged counts as not engaged; the heartbeat must be a positive length.
 */
Datum
sessionize_viewing_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "viewing_agg_transfn");
	VwState    *st = PG_ARGISNULL(0) ? NULL : (VwState *) PG_GETARG_POINTER(0);
	TimestampTz ts;
	TimestampTz hi;
	int64		hb;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("heartbeat must not be null"),
				 errdetail("The heartbeat is the period at which the player reports that it is playing."),
				 errhint("Pass the player's heartbeat period, for example interval '10 seconds'.")));
	hb = heartbeat_usec(fcinfo, PG_GETARG_INTERVAL_P(2));
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (unlikely(TIMESTAMP_NOT_FINITE(ts)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("heartbeat timestamp \"%s\" cannot be counted",
						TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"),
				 errdetail("Viewing time needs finite heartbeat times."),
				 errhint("Filter infinite timestamps out, or turn them into NULL, which skips the row.")));
	/* cut at the end of the timestamp range */
	hi = sess_add_usec(ts, hb);
	if (hi > END_TIMESTAMP)
		hi = END_TIMESTAMP;

	if (st == NULL)
		st = vw_new(aggcxt);
	vw_add(&st->view, st->cxt, ts, hi);
	if (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))
		vw_add(&st->engaged, st->cxt, ts, hi);
	PG_RETURN_POINTER(st);
}

/* viewing_merge(state): the union of the states' heartbeats. */
Datum
sessionize_viewing_merge_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "viewing_merge_transfn");
	VwState    *st = PG_ARGISNULL(0) ? NULL : (VwState *) PG_GETARG_POINTER(0);
	VwState    *in;

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	in = vw_from_datum(aggcxt, PG_GETARG_DATUM(1));
	if (st == NULL)
		PG_RETURN_POINTER(in);
	vw_list_merge(&st->view, &in->view, st->cxt);
	vw_list_merge(&st->engaged, &in->engaged, st->cxt);
	pfree(in->view.s);
	pfree(in->engaged.s);
	pfree(in);
	PG_RETURN_POINTER(st);
}

/* A copy of a state in cxt. */
static VwState *
vw_copy(const VwState *src, MemoryContext cxt)
{
	VwState    *st = vw_new(cxt);
	const VwList *from[2] = {&src->view, &src->engaged};
	VwList	   *to[2] = {&st->view, &st->engaged};
	int			k;

	for (k = 0; k < 2; k++)
	{
		if (from[k]->n == 0)
			continue;
		vw_reserve(to[k], cxt, from[k]->n);
		memcpy(to[k]->s, from[k]->s, from[k]->n * sizeof(VwSpan));
		to[k]->n = from[k]->n;
		to[k]->sorted = from[k]->sorted;
	}
	return st;
}

Datum
sessionize_viewing_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "viewing_combinefn");
	VwState    *a = PG_ARGISNULL(0) ? NULL : (VwState *) PG_GETARG_POINTER(0);
	VwState    *b = PG_ARGISNULL(1) ? NULL : (VwState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(vw_copy(b, aggcxt));
	vw_list_merge(&a->view, &b->view, a->cxt);
	vw_list_merge(&a->engaged, &b->engaged, a->cxt);
	PG_RETURN_POINTER(a);
}

Datum
sessionize_viewing_serialfn(PG_FUNCTION_ARGS)
{
	VwState    *st = (VwState *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(vw_serialize(st));
}

/*
 * In the current (per-tuple) context, as PostgreSQL's own deserialize
 * functions do: the combine function copies what it keeps into the
 * aggregate's context.
 */
Datum
sessionize_viewing_deserialfn(PG_FUNCTION_ARGS)
{
	(void) agg_context(fcinfo, "viewing_deserialfn");
	PG_RETURN_POINTER(vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0)));
}

/*
 * The storable state; NULL when no heartbeat was counted.  Serializing
 * sweeps the pending spans into the state in place, which leaves the covered
 * time unchanged: the state stays valid for further rows (window
 * aggregates) and for other final functions sharing it.
 */
Datum
sessionize_viewing_finalfn(PG_FUNCTION_ARGS)
{
	VwState    *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (VwState *) PG_GETARG_POINTER(0);
	PG_RETURN_BYTEA_P(vw_serialize(st));
}

/* viewing_merge(a, b): the union; NULL on one side returns the other. */
Datum
sessionize_viewing_merge2(PG_FUNCTION_ARGS)
{
	VwState    *a;
	VwState    *b;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		bytea	   *x = PG_GETARG_BYTEA_PP(PG_ARGISNULL(0) ? 1 : 0);

		PG_RETURN_BYTEA_P(sess_validated_copy(&viewingstate_type, VARDATA_ANY(x),
											  VARSIZE_ANY_EXHDR(x)));
	}
	a = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0));
	b = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(1));
	vw_list_merge(&a->view, &b->view, a->cxt);
	vw_list_merge(&a->engaged, &b->engaged, a->cxt);
	PG_RETURN_BYTEA_P(vw_serialize(a));
}

/* ------------------------------------------------------------ readers */

Datum
sessionize_viewing_seconds(PG_FUNCTION_ARGS)
{
	VwState    *st = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0));

	PG_RETURN_FLOAT8((double) vw_measure(st->view.s, st->view.n) / USECS_PER_SEC);
}

Datum
sessionize_engaged_seconds(PG_FUNCTION_ARGS)
{
	VwState    *st = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0));

	PG_RETURN_FLOAT8((double) vw_measure(st->engaged.s, st->engaged.n) / USECS_PER_SEC);
}

/* First covered instant; NULL for a state without viewing time. */
Datum
sessionize_viewing_start(PG_FUNCTION_ARGS)
{
	VwState    *st = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0));

	if (st->view.n == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(st->view.s[0].lo);
}

/*
 * End of the covered time: the last heartbeat plus its period (at most the
 * last valid timestamp, for time cut at the end of the range).
 */
Datum
sessionize_viewing_end(PG_FUNCTION_ARGS)
{
	VwState    *st = vw_from_datum(CurrentMemoryContext, PG_GETARG_DATUM(0));

	if (st->view.n == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(Min(st->view.s[st->view.n - 1].hi, END_TIMESTAMP - 1));
}

/* ------------------------------------------------------------ buckets */

SESS_NORETURN static void bucket_range_error(void) SESS_NORETURN_ATTR;

static void
bucket_range_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("timestamp out of range for the buckets"),
			 errdetail("The viewing time lies too far from the bucket origin."),
			 errhint("Choose an origin near the viewing time, for example the start of the live session.")));
}

/* ts - origin, erroring when it does not fit int64 microseconds. */
static inline int64
offset_from(TimestampTz ts, TimestampTz origin)
{
	int64		d;

	if (pg_sub_s64_overflow(ts, origin, &d))
		bucket_range_error();
	return d;
}

/* floor(a / b) for b > 0. */
static inline int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if (a % b < 0)
		q--;
	return q;
}

/*
 * Walks a canonical list bucket by bucket: each call gives the next bucket
 * the spans cover, with the microseconds covered in it.
 */
typedef struct VwCursor
{
	const VwSpan *s;
	int32		n;
	int32		i;				/* current span */
	bool		mid;			/* resume s[i] at pos, not at its start */
	int64		pos;			/* offset from the origin */
	TimestampTz origin;
	int64		width;
} VwCursor;

static bool
cursor_next(VwCursor *c, int64 *bucket, uint64 *covered)
{
	int64		from;
	int64		k;
	int64		bend;
	uint64		total = 0;

	if (c->i >= c->n)
		return false;
	from = c->mid ? c->pos : offset_from(c->s[c->i].lo, c->origin);
	k = floor_div(from, c->width);
	/* end of bucket k, saturating: later spans can then only be in k */
	if (pg_add_s64_overflow(k, 1, &bend) || pg_mul_s64_overflow(bend, c->width, &bend))
		bend = PG_INT64_MAX;

	while (c->i < c->n)
	{
		int64		hi = offset_from(c->s[c->i].hi, c->origin);
		int64		to;

		from = c->mid ? c->pos : offset_from(c->s[c->i].lo, c->origin);
		if (from >= bend)
			break;
		to = Min(hi, bend);
		total += (uint64) to - (uint64) from;
		if (to == hi)
		{
			c->i++;
			c->mid = false;
		}
		else
		{
			c->pos = to;
			c->mid = true;
			break;
		}
	}
	*bucket = k;
	*covered = total;
	return true;
}

/*
 * viewing_buckets(state, origin, bucket): per bucket of the given width
 * aligned on origin (as date_bin() aligns), the seconds of viewing and of
 * engaged time in it; only buckets with viewing time, in time order.
 */
/* What viewing_buckets() keeps between the rows it returns. */
typedef struct VwBucketsCtx
{
	VwState    *st;				/* keeps the spans the cursors walk alive */
	VwCursor	vc;				/* viewing time */
	VwCursor	ec;				/* engaged time */
	bool		have_e;			/* ec has a bucket at ek */
	int64		ek;
	uint64		eus;
} VwBucketsCtx;

/*
 * One row a call (value per call), so that a LIMIT stops the walk early and
 * memory stays that of the state, however many buckets it covers.
 */
Datum
sessionize_viewing_buckets(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	VwBucketsCtx *bc;
	int64		k;
	uint64		vus;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int64		start;
	double		engaged = 0;

	if (SRF_IS_FIRSTCALL())
	{
		TimestampTz origin = PG_GETARG_TIMESTAMPTZ(1);
		int64		width;
		TupleDesc	tupdesc;
		MemoryContext oldcxt;

		funcctx = SRF_FIRSTCALL_INIT();
		if (TIMESTAMP_NOT_FINITE(origin))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("bucket origin must be finite")));
		width = positive_usec(PG_GETARG_INTERVAL_P(2), "bucket",
							  "Pass the width of a bucket, for example interval '1 minute'.");
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type of viewing_buckets() must be a row type");
		oldcxt = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		funcctx->tuple_desc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		bc = palloc0(sizeof(VwBucketsCtx));
		bc->st = vw_from_datum(funcctx->multi_call_memory_ctx, PG_GETARG_DATUM(0));
		bc->vc.s = bc->st->view.s;
		bc->vc.n = bc->st->view.n;
		bc->vc.origin = origin;
		bc->vc.width = width;
		bc->ec = bc->vc;
		bc->ec.s = bc->st->engaged.s;
		bc->ec.n = bc->st->engaged.n;
		bc->have_e = cursor_next(&bc->ec, &bc->ek, &bc->eus);
		funcctx->user_fctx = bc;
		MemoryContextSwitchTo(oldcxt);
	}
	funcctx = SRF_PERCALL_SETUP();
	bc = funcctx->user_fctx;

	if (!cursor_next(&bc->vc, &k, &vus))
		SRF_RETURN_DONE(funcctx);
	/* engaged time is viewing time: its buckets are among these */
	while (bc->have_e && bc->ek < k)
	{
		CHECK_FOR_INTERRUPTS();
		bc->have_e = cursor_next(&bc->ec, &bc->ek, &bc->eus);
	}
	if (bc->have_e && bc->ek == k)
	{
		engaged = (double) bc->eus / USECS_PER_SEC;
		bc->have_e = cursor_next(&bc->ec, &bc->ek, &bc->eus);
	}
	if (pg_mul_s64_overflow(k, bc->vc.width, &start) ||
		pg_add_s64_overflow(bc->vc.origin, start, &start) ||
		!IS_VALID_TIMESTAMP(start))
		bucket_range_error();
	values[0] = TimestampTzGetDatum(start);
	values[1] = Float8GetDatum((double) vus / USECS_PER_SEC);
	values[2] = Float8GetDatum(engaged);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}
