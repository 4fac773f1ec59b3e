/*-------------------------------------------------------------------------
 *
 * sessionize.c
 *	  Module entry point of the sessionize extension.
 *
 * The code is split by concern:
 *	  session_core.[ch]	  the session rules shared by every path
 *	  session_window.c	  the window functions (one label per event)
 *	  session_state.[ch]  the mergeable session state: building, merging,
 *						  reading out, binary form and its validation
 *	  session_agg.c		  the sessionstate type, session_agg, session_merge,
 *						  sessions() and the other readers
 *	  viewing.c			  viewing time from player heartbeats: the
 *						  viewingstate type, viewing_agg and its readers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
