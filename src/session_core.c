/*-------------------------------------------------------------------------
 *
 * session_core.c
 *	  Validation, time zone and formatting helpers of the session rules.
 *
 * Every error a user can cause with an argument of a session function is
 * raised here (or, for durations, by sess_interval_usec() in
 * session_util.c), so that the window functions and the aggregates report
 * the same message and SQLSTATE for the same mistake (docs/semantics.md,
 * Bad input).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "mb/pg_wchar.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "session_core.h"

/* Microseconds between 1970-01-01 and 2000-01-01, the PostgreSQL epoch. */
#define SESS_UNIX_TO_PG_USEC \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

static const char *const reason_names[SESS_REASON_COUNT] = {
	NULL,						/* SESS_CONTINUES */
	"first",
	"timeout",
	"max_duration",
	"day",
	"key",
	"start_event"
};

const char *
sess_reason_name(SessReason r)
{
	if ((int) r < 0 || (int) r >= SESS_REASON_COUNT)
		elog(ERROR, "invalid session split reason %d", (int) r);
	return reason_names[r];
}

void
sess_null_timeout_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("timeout must not be null"),
			 errdetail("The timeout is the longest gap allowed between two events of one session."),
			 errhint("Pass an inactivity timeout, for example interval '30 minutes'; zero keeps only events of the same instant together.")));
}

/* Look a time zone up by name for the day rule; error if unknown. */
pg_tz *
sess_lookup_tz(const char *name)
{
	pg_tz	   *tz = NULL;

	if (name[0] != '\0')
		tz = pg_tzset(name);
	if (tz == NULL)
	{
		/* echo at most SESS_ECHO_MAX bytes of the name: it can be any text */
		int			len = strlen(name);
		int			shown = len > SESS_ECHO_MAX ? pg_mbcliplen(name, len, SESS_ECHO_MAX) : len;

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%.*s%s\" not recognized", shown, name,
						shown < len ? "..." : ""),
				 errdetail("The day_boundary argument names the time zone whose local midnight splits sessions."),
				 errhint("Use a name from pg_timezone_names, for example 'Europe/Paris' or 'UTC'.")));
	}
	return tz;
}

void
sess_infinite_error(TimestampTz ts)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("event timestamp \"%s\" cannot be sessionized",
					TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"),
			 errdetail("Session rules need finite event times."),
			 errhint("Filter infinite timestamps out, or turn them into NULL, which excludes the event.")));
}

/* Epoch milliseconds (AWS event_time_msec) to a finite TimestampTz. */
TimestampTz
sess_epoch_ms_to_ts(int64 ms)
{
	int64		us;
	TimestampTz ts;

	if (pg_mul_s64_overflow(ms, INT64CONST(1000), &us) ||
		pg_sub_s64_overflow(us, SESS_UNIX_TO_PG_USEC, &ts) ||
		!IS_VALID_TIMESTAMP(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("epoch milliseconds %lld out of range for timestamp",
						(long long) ms),
				 errdetail("Timestamps run from 4713 BC to 294276 AD."),
				 errhint("Pass milliseconds since 1970-01-01 00:00 UTC.")));
	return ts;
}

/* TimestampTz to epoch milliseconds, rounded down. */
int64
sess_ts_to_epoch_ms(TimestampTz ts)
{
	int64		us = ts + SESS_UNIX_TO_PG_USEC;	/* finite ts: no overflow */
	int64		ms = us / 1000;

	if (us % 1000 < 0)
		ms--;
	return ms;
}

/* The error of sess_check_order(): the window is not ordered by time. */
void
sess_order_error(TimestampTz prev, TimestampTz ts)
{
	char	   *tstr;
	char	   *pstr;

	/* timestamptz_to_str() returns a static buffer: copy each result */
	tstr = pstrdup(timestamptz_to_str(ts));
	pstr = pstrdup(timestamptz_to_str(prev));
	ereport(ERROR,
			(errcode(ERRCODE_WINDOWING_ERROR),
			 errmsg("events are not ordered by timestamp within the window"),
			 errdetail("Event time %s comes after %s in the same partition.",
					   tstr, pstr),
			 errhint("Order the window by the event timestamp: OVER (PARTITION BY user_id ORDER BY ts).")));
}

/*
 * Format the "-YYYYMMDD-HH24MISSMS" suffix of a session id (UTC of the
 * session start, milliseconds rounded down) into buf.  Returns its length.
 */
int
sess_format_id(char *buf, size_t buflen, TimestampTz start)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			n;

	if (timestamp2tm(start, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	n = snprintf(buf, buflen, "-%04d%02d%02d-%02d%02d%02d%03d",
				 tm.tm_year, tm.tm_mon, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
	if (n < 0 || (size_t) n >= buflen)
		elog(ERROR, "session id suffix does not fit its buffer");
	return n;
}

/*
 * Local calendar day.
 *
 * The answer always comes from timestamp2tm() in the zone.  To spare that
 * call for consecutive events of one day, the cache keeps the UTC range
 * [lo, hi) of the last day seen, but only when the day is regular: its UTC
 * offset is the same at both ends, so local time is a plain shift of UTC
 * across the whole range.  Days that contain a daylight-saving transition
 * are never cached and are computed event by event.
 */
void
sess_day_cache_init(SessDayCache *c, pg_tz *tz)
{
	memset(c, 0, sizeof(*c));
	c->tz = tz;
}

static bool
local_date(pg_tz *tz, TimestampTz ts, int32 *jday, int *tzoff)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, tzoff, &tm, &fsec, NULL, tz) != 0)
		return false;
	*jday = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday);
	return true;
}

int32
sess_local_day(SessDayCache *c, TimestampTz ts)
{
	int32		jday;
	int			off_ts;
	int			off_lo;
	int			off_hi;
	int32		j;
	TimestampTz lo;
	TimestampTz hi;

	if (c->valid && ts >= c->lo && ts < c->hi)
		return c->jday;

	if (!local_date(c->tz, ts, &jday, &off_ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));

	/*
	 * Candidate range assuming the offset at ts holds all day: local midnight
	 * is ts minus the local time of day.  tzoff is seconds west of UTC, so
	 * local = utc - tzoff.
	 */
	c->valid = false;
	{
		int64		local = ts - (int64) off_ts * USECS_PER_SEC;
		int64		tod = local % USECS_PER_DAY;

		if (tod < 0)
			tod += USECS_PER_DAY;
		lo = ts - tod;
		hi = lo + USECS_PER_DAY;
	}
	if (IS_VALID_TIMESTAMP(lo) && IS_VALID_TIMESTAMP(hi - 1) &&
		local_date(c->tz, lo, &j, &off_lo) && j == jday && off_lo == off_ts &&
		local_date(c->tz, hi - 1, &j, &off_hi) && j == jday && off_hi == off_ts)
	{
		c->lo = lo;
		c->hi = hi;
		c->jday = jday;
		c->valid = true;
	}
	return jday;
}
