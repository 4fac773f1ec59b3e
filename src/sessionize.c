/*-------------------------------------------------------------------------
 *
 * sessionize.c
 *	  Module entry point of the sessionize extension.
 *
 * The code is split by concern:
 *	  session_core.[ch]	  the session rules shared by every path
 *	  session_window.c	  the window functions (one label per event)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
