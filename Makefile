# sessionize: PGXS build.  `make && make install`, then the test suite with
# test/check.sh (it starts a throwaway server; see README.md).
EXTENSION  = sessionize
MODULE_big = sessionize
OBJS       = src/sessionize.o src/session_util.o src/session_core.o \
             src/session_window.o src/session_state.o src/session_wire.o \
             src/session_agg.o src/session_split.o src/viewing.o
EXTVERSION = 0.2.0
# The install script of the current version is built from its parts in
# src/sql/, in name order.  Released versions' install scripts and the
# upgrade scripts (sql/sessionize--A--B.sql) are kept and installed as they
# are, so that CREATE EXTENSION ... VERSION 'A' and ALTER EXTENSION ... UPDATE
# work.
DATA_built = sql/sessionize--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/sessionize--*.sql))
PGFILEDESC = "sessionize - sessionization of clickstream events"

# pg_regress files, one per feature, in sql/ with their outputs in expected/.
# test/check.sh runs all of them on a throwaway server.
#
# `make installcheck` runs them against a running server where the extension
# is installed (PGHOST, PGPORT, PGUSER as usual; the server must be able to
# write into results/, where tests COPY states to files), in the database
# contrib_regression_sessionize, all but the cron test.  That one needs
# pg_cron preloaded: `make installcheck-cron` runs it against a server
# started with shared_preload_libraries = 'pg_cron' and cron.database_name =
# 'contrib_regression' (and cron.use_background_workers = on if the server
# listens on a Unix socket only), in that database (CRON_DB).
REGRESS_ALL  = $(shell sed -n 's/^test: *//p' test/schedule)
REGRESS_CRON = cron
REGRESS      = $(filter-out $(REGRESS_CRON),$(REGRESS_ALL))
REGRESS_BASE = --inputdir=. --outputdir=$(or $(REGRESS_OUTPUTDIR),.)
REGRESS_OPTS = $(REGRESS_BASE) --load-extension=sessionize
# a database of our own (contrib_regression_sessionize), which pg_regress
# drops and recreates: it could not drop one that pg_cron's launcher is
# connected to
USE_MODULE_DB = 1
CRON_DB      = contrib_regression

PG_CONFIG ?= pg_config
PG_CPPFLAGS += -Isrc
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track header dependencies: rebuild everything on a change
$(OBJS): $(wildcard src/*.h)

sql/sessionize--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql))
	cat $^ > $@

# The tests that need pg_cron preloaded, in cron.database_name, which
# test/cron_db.sql creates or resets (pg_regress could not drop it).
installcheck-cron: submake
	'$(bindir)/psql' -X -q -d postgres -v db='$(CRON_DB)' -f test/cron_db.sql
	$(pg_regress_installcheck) $(REGRESS_BASE) --use-existing --dbname='$(CRON_DB)' $(REGRESS_CRON)
.PHONY: installcheck-cron
