/*-------------------------------------------------------------------------
 *
 * session_util.h
 *	  Utilities shared by the session code and the viewing-time code:
 *	  compatibility across PostgreSQL majors, error helpers, time
 *	  arithmetic, the binary (big-endian integers) and text (hexadecimal)
 *	  forms of the state types, and their type I/O.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SESSIONIZE_SESSION_UTIL_H
#define SESSIONIZE_SESSION_UTIL_H

#include "postgres.h"

/*
 * The varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR, SET_VARSIZE, ...) live
 * in varatt.h since PostgreSQL 16, which postgres.h no longer includes from
 * 18 on.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "port/pg_bswap.h"

/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn, written before it.
 */
#if PG_VERSION_NUM >= 180000
#define SESS_NORETURN pg_noreturn
#define SESS_NORETURN_ATTR
#else
#define SESS_NORETURN
#define SESS_NORETURN_ATTR pg_attribute_noreturn()
#endif

/* Bytes of a user-supplied value an error message echoes at most. */
#define SESS_ECHO_MAX	64

/* Saturating timestamp + microseconds: never overflows, caps at the ends. */
static inline TimestampTz
sess_add_usec(TimestampTz ts, int64 us)
{
	TimestampTz r;

	if (__builtin_add_overflow(ts, us, &r))
		return (us > 0) ? PG_INT64_MAX : PG_INT64_MIN;
	return r;
}

/*
 * Length in microseconds of a duration argument (timeout, max_duration,
 * heartbeat, ...); errors: docs/semantics.md, Bad input.
 */
extern int64 sess_interval_usec(const Interval *iv, const char *argname);

/*
 * Binary form of the state types: integers in network byte order, written
 * to or read from unaligned bytes.
 */
static inline char *
sess_put_i32(char *p, int32 v)
{
	uint32		n = pg_hton32((uint32) v);

	memcpy(p, &n, 4);
	return p + 4;
}

static inline char *
sess_put_i64(char *p, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	memcpy(p, &n, 8);
	return p + 8;
}

static inline int32
sess_get_i32(const char *p)
{
	uint32		n;

	memcpy(&n, p, 4);
	return (int32) pg_ntoh32(n);
}

static inline int64
sess_get_i64(const char *p)
{
	uint64		n;

	memcpy(&n, p, 8);
	return (int64) pg_ntoh64(n);
}

/* Text form of the state types: their bytes in hexadecimal. */
extern char *sess_hex_decode(const char *str, const char *typname, int *len);
extern char *sess_hex_encode(const char *data, int len);

/*
 * Type I/O of the state types (sessionstate, viewingstate): a state is a
 * varlena holding its binary form, and every way one comes in from outside
 * (text input, binary receive, the cast from bytea) passes the type's
 * validator, which raises an ERROR unless data[0 .. len) is a valid state.
 * Output and send depend on the bytes only.  The V1 functions of each type
 * are one-line wrappers around these.
 */
typedef struct SessStateType
{
	const char *name;			/* the SQL type, for messages */
	void		(*validate) (const char *data, int len);
} SessStateType;

extern bytea *sess_validated_copy(const SessStateType *type,
								  const char *data, int len);
extern Datum sess_type_in(FunctionCallInfo fcinfo, const SessStateType *type);
extern Datum sess_type_recv(FunctionCallInfo fcinfo, const SessStateType *type);
extern Datum sess_type_from_bytea(FunctionCallInfo fcinfo,
								  const SessStateType *type);
extern Datum sess_type_out(FunctionCallInfo fcinfo);
extern Datum sess_type_send(FunctionCallInfo fcinfo);

#endif							/* SESSIONIZE_SESSION_UTIL_H */
