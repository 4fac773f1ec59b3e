/*-------------------------------------------------------------------------
 *
 * sessionize.c
 *	  Module entry point of the sessionize extension.
 *
 * The code is split by concern:
 *	  session_util.[ch]	  what every part shares: compatibility across
 *						  PostgreSQL majors, error helpers, byte I/O, and
 *						  the text form and type I/O of the state types
 *	  session_core.[ch]	  the session rules shared by every path
 *	  session_window.c	  the window functions (one label per event)
 *	  session_state.[ch]  the mergeable session state: building, merging,
 *						  reading out
 *	  session_wire.c	  its binary form: the session log's records,
 *						  serialization and the validating reader
 *						  (session_state_private.h: what the two share)
 *	  session_agg.c		  the sessionstate type, session_agg, session_merge,
 *						  sessions() and the other readers
 *	  viewing.c			  viewing time from player heartbeats: the
 *						  viewingstate type, viewing_agg and its readers
 *						  (it needs session_util.h only)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
