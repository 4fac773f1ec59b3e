/*-------------------------------------------------------------------------
 *
 * session_util.c
 *	  Utilities shared by the session code and the viewing-time code: the
 *	  length of a duration argument, the hexadecimal text form of the state
 *	  types, and their type I/O.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "session_util.h"

/* ------------------------------------------------------------ durations */

/*
 * Length in microseconds of a duration argument (timeout, max_duration,
 * engaged_duration; the heartbeat and bucket widths of viewing time).
 *
 * A month has no fixed length, so intervals with months or years are refused
 * rather than guessed at; a day counts as 24 hours.  Negative lengths are
 * refused.  A length too large for int64 microseconds saturates at about
 * 292,000 years.
 */
int64
sess_interval_usec(const Interval *iv, const char *argname)
{
	int64		days_us;
	int64		total;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not contain months or years", argname),
				 errdetail("A month or a year has no fixed length in time."),
				 errhint("Express the %s in days, hours, minutes or seconds, for example interval '30 days'.",
						 argname)));

	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &days_us))
		total = (iv->day > 0) ? PG_INT64_MAX : PG_INT64_MIN;
	else if (pg_add_s64_overflow(days_us, iv->time, &total))
		total = (iv->time > 0) ? PG_INT64_MAX : PG_INT64_MIN;

	if (total < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", argname),
				 errdetail("The %s given is %s.", argname,
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   IntervalPGetDatum(iv)))),
				 errhint("Use an interval of zero or more, for example interval '30 minutes'.")));
	return total;
}

/* ------------------------------------------------- hexadecimal text form */

static inline int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The bytes written in hexadecimal in str (an optional leading \x, then
 * digit pairs), for the text input of the state types.  Sets *len.  Errors
 * name the type and the offending position.
 */
char *
sess_hex_decode(const char *str, const char *typname, int *len)
{
	size_t		n = strlen(str);
	char	   *bin;
	size_t		i;

	if (n >= 2 && str[0] == '\\' && str[1] == 'x')
	{
		str += 2;
		n -= 2;
	}
	if (n % 2 != 0 || n / 2 > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", typname),
				 errdetail("A %s is written as an even number of hexadecimal digits.",
						   typname)));
	bin = palloc(n / 2 + 1);
	for (i = 0; i < n; i += 2)
	{
		int			hi = hex_value(str[i]);
		int			lo = hex_value(str[i + 1]);

		if (hi < 0 || lo < 0)
		{
			/* quote ASCII; show other bytes in hex (never half a character) */
			unsigned char a = (unsigned char) str[i];
			unsigned char b = (unsigned char) str[i + 1];

			if (a >= 0x20 && a < 0x7f && b >= 0x20 && b < 0x7f)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type %s", typname),
						 errdetail("\"%c%c\" at offset %zu is not a hexadecimal digit pair.",
								   a, b, i)));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", typname),
					 errdetail("Bytes 0x%02x 0x%02x at offset %zu are not a hexadecimal digit pair.",
							   a, b, i)));
		}
		bin[i / 2] = (char) ((hi << 4) | lo);
	}
	*len = (int) (n / 2);
	return bin;
}

/* len bytes as a NUL-terminated string of hexadecimal digits. */
char *
sess_hex_encode(const char *data, int len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *) data;
	char	   *out = palloc((Size) len * 2 + 1);
	int			i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0xF];
	}
	out[2 * len] = '\0';
	return out;
}

/* --------------------------------------------------- type I/O of the states */

/* A new varlena holding data[0 .. len), once the type's validator passed it. */
bytea *
sess_validated_copy(const SessStateType *type, const char *data, int len)
{
	bytea	   *out;

	type->validate(data, len);
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	memcpy(VARDATA(out), data, len);
	return out;
}

/* Text input: the binary form in hexadecimal. */
Datum
sess_type_in(FunctionCallInfo fcinfo, const SessStateType *type)
{
	int			len;
	char	   *bin = sess_hex_decode(PG_GETARG_CSTRING(0), type->name, &len);

	PG_RETURN_BYTEA_P(sess_validated_copy(type, bin, len));
}

Datum
sess_type_recv(FunctionCallInfo fcinfo, const SessStateType *type)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	bytea	   *out = sess_validated_copy(type, buf->data + buf->cursor,
										  buf->len - buf->cursor);

	buf->cursor = buf->len;
	PG_RETURN_BYTEA_P(out);
}

/* CAST (bytea AS the type): the bytes must be a valid state. */
Datum
sess_type_from_bytea(FunctionCallInfo fcinfo, const SessStateType *type)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_BYTEA_P(sess_validated_copy(type, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
}

Datum
sess_type_out(FunctionCallInfo fcinfo)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_CSTRING(sess_hex_encode(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
}

Datum
sess_type_send(FunctionCallInfo fcinfo)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
