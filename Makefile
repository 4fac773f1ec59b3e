# sessionize: PGXS build.  `make && make install`, then the test suite with
# test/check.sh (it starts a throwaway server; see README.md).
EXTENSION  = sessionize
MODULE_big = sessionize
OBJS       = src/sessionize.o src/session_core.o src/session_window.o \
             src/session_state.o src/session_agg.o \
             src/viewing.o
EXTVERSION = 0.1.0
# The install script is built from its parts in src/sql/, in name order;
# upgrade scripts (sql/sessionize--A--B.sql) are installed as they are.
DATA_built = sql/sessionize--$(EXTVERSION).sql
DATA       = $(wildcard sql/sessionize--*--*.sql)
PGFILEDESC = "sessionize - sessionization of clickstream events"

# pg_regress files, one per feature, in sql/ with their outputs in expected/
REGRESS      = $(shell cat test/schedule | sed -n 's/^test: *//p')
REGRESS_OPTS = --inputdir=. --outputdir=$(or $(REGRESS_OUTPUTDIR),.)

PG_CONFIG ?= pg_config
PG_CPPFLAGS += -Isrc
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track header dependencies: rebuild everything on a change
$(OBJS): $(wildcard src/*.h)

sql/sessionize--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql))
	cat $^ > $@
