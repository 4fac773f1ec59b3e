/*-------------------------------------------------------------------------
 *
 * session_wire.c
 *	  The binary form of session states: the sessions the session log keeps
 *	  in it, serialization, and the validating reader of stored states.
 *
 * The binary form is at once the storable sessionstate value, the parallel
 * serialization of session_agg's internal state and the form of the session
 * log's records (session_state.h).  Every way a state comes in from outside
 * goes through sess_reader_open() and sess_reader_next() or
 * sess_state_deserialize(), which check every byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/memutils.h"

#include "session_state_private.h"

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
			p = w_str(p, sess_view_eid(vs[k]), vs[k]->eid_len);
			p = w_str(p, sess_view_name(vs[k]), vs[k]->view_len);
		}
	}
	return p;
}

/* ------------------------------------------------------------ session log */

/* blocks of the session log: the first small (sorted aggregation resets
 * the context for every group), then doubling */
#define LOG_BLOCK_MIN	512
#define LOG_BLOCK_MAX	(1024 * 1024)

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

/*
 * Append session s to the log in its binary form, as the record after prev
 * (the state's latest record, or NULL).
 */
SessLogRec *
sess_log_append(SessLog *log, SessLogRec *prev, const SessSummary *s)
{
	Size		len = session_wire_size(s);
	SessLogRec *rec = log_alloc(log, SESS_LOGREC_HDR + len);

	rec->prev = prev;
	rec->len = (int32) len;
	rec->run_end = false;
	write_session(SESS_LOGREC_DATA(rec), s);
	return rec;
}

/*
 * Decode a session of the log (bytes we wrote: no checks) into s, its view
 * candidates in cxt.
 */
void
sess_log_read(const SessLogRec *rec, MemoryContext cxt, SessSummary *s)
{
	const char *p = SESS_LOGREC_DATA(rec);

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
			sess_view_set(cxt, vs[k], true, ts, eid, eidlen, p + 4, viewlen);
			p += 4 + viewlen;
		}
	}
}

/*
 * Start, end, expiry and day of a session of a state in the log: of record
 * rec, or of `last` when rec is NULL.
 */
void
sess_log_session_bounds(const SessState *st, const SessLogRec *rec,
						TimestampTz *start, TimestampTz *end,
						TimestampTz *expiry, int32 *day)
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

/* --------------------------------------------------------- serialization */

/*
 * The sessions of a state in the log made of several runs, in start order,
 * when the runs follow one another in time without joining (as when a scan
 * starts in the middle of the table: the later events come first): its
 * records, and NULL standing for `last`.  NULL when the runs overlap or
 * join; they must then be merged (sess_unlog).
 */
static SessLogRec **
runs_in_order(const SessState *st)
{
	int32		n = st->nsess - 1;	/* records */
	SessLogRec **recs = palloc((n + 1) * sizeof(SessLogRec *));
	SessLogRec **out;
	SessLogRec *rec = st->u.l.head;
	int32		first[SESS_MAX_RUNS + 1];
	int			order[SESS_MAX_RUNS];
	TimestampTz fstart[SESS_MAX_RUNS];
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
			Assert(nr < SESS_MAX_RUNS);
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

		sess_log_session_bounds(st, recs[first[k]], &fstart[k], &e, &x, &d);
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

		sess_log_session_bounds(st, recs[first[a + 1] - 1], &as, &ae, &ax, &ad);
		sess_log_session_bounds(st, recs[first[b]], &bs, &be, &bx, &bd);
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
			sess_unlog(st);	/* the runs overlap: merge them */
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
			size += session_wire_size(sess_state_session(st, i));
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
			p = write_session(p, sess_state_session(st, i));
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
	c = sess_bytes_cmp(a->eid, a->eid_len, b->eid, b->eid_len);
	if (c != 0)
		return c;
	return sess_bytes_cmp(a->view, a->view_len, b->view, b->view_len);
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
			sess_reserve_sessions(st, r.count);
		while (sess_reader_next(&r, &s))
		{
			SessSummary *d = sess_push_session(st);

			*d = s;
			d->reason = SESS_CONTINUES;
			if (s.views > 0)
			{
				sess_view_set(cxt, &d->entry, true, r.entry.ts,
							  r.entry.eid, r.entry.eid_len,
							  r.entry.view, r.entry.view_len);
				sess_view_set(cxt, &d->exit, true, r.exit.ts,
							  r.exit.eid, r.exit.eid_len,
							  r.exit.view, r.exit.view_len);
			}
		}
	}
	else
	{
		int64		i;

		sess_grow_events(st, Max(r.count, 1), false);
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
			sess_event_set(cxt, &st->u.e.ev[st->u.e.nev], ts, timeout_us,
						   engagement_ms, se == 1, eid, eidlen, key, keylen,
						   view, viewlen);
			if (st->u.e.nev > 0 && sess_event_cmp(&st->u.e.ev[st->u.e.nev - 1], &st->u.e.ev[st->u.e.nev]) > 0)
				corrupt("events out of order");
			st->u.e.nev++;
		}
		if (r.off != r.len)
			corrupt("trailing bytes");
	}
	sess_reader_close(&r);
	return st;
}
