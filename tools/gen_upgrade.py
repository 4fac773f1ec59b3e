# Generates sql/sessionize--0.1.0--0.2.0.sql from the 0.2.0 sources in
# src/sql/ (run after every change to them while 0.2.0 is unreleased; the
# script is frozen once 0.2.0 is released):
#
#     python3 tools/gen_upgrade.py
#
# The upgrade drops the internal functions whose arguments changed, then
# (re)defines every function of the generators as 0.2.0 does, rewords the
# comments of the C objects, and ends with tools/upgrade-0.1.0--0.2.0.foot.sql
# (what 0.1.0's session tables need).  test/t_upgrade.sh checks that the
# result equals a fresh install of 0.2.0, object by object.
import os
import re
root=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..') + '/'
parts=[]
w=open(root+'src/sql/10_window.sql').read()
i=w.index('-- The id session_id() gives the session of key')
parts.append(w[i:])
# session_split(), new in 0.2.0 (C): its definition, without its comment,
# which the comments below carry
w=open(root+'src/sql/20_state.sql').read()
i=w.index('-- One state per session of a state')
j=w.index('COMMENT ON FUNCTION @extschema@.session_split(')
parts.append(w[i:j])
for f in ['30_views.sql','32_dashboards.sql','35_session_table.sql','36_refresh.sql','37_ingest.sql','38_citus.sql','50_live_report.sql']:
    parts.append(open(root+'src/sql/'+f).read())
# the comments of the C-language objects, which 0.2.0 may have reworded
import re as _re
comments=[]
for f in ['10_window.sql','20_state.sql','40_viewing.sql']:
    t=open(root+'src/sql/'+f).read()
    comments += _re.findall(r"^COMMENT ON .*?';[ \t]*$", t, flags=_re.M|_re.S)
parts.append('-- Comments of the objects defined in C, as 0.2.0 words them.\n' + '\n'.join(c.strip() for c in comments) + '\n')
body='\n'.join(parts)
assert 'CREATE TYPE' not in body and 'CREATE AGGREGATE' not in body
body=re.sub(r'^CREATE FUNCTION ', 'CREATE OR REPLACE FUNCTION ', body, flags=re.M)
head='''-- sessionize 0.1.0 -> 0.2.0
\\echo Use "ALTER EXTENSION sessionize UPDATE TO '0.2.0'" to load this file. \\quit

-- Every SQL and PL/pgSQL function now pins search_path; the generators are
-- thin SQL entry points over pinned implementations; session tables get
-- guarded capture functions.  Internal functions whose arguments changed go
-- first; every function of the generators is then (re)defined as in 0.2.0.
DROP FUNCTION @extschema@.sessionize_input_sql(jsonb);
DROP FUNCTION @extschema@.sessionize_qualify(text);
DROP FUNCTION @extschema@.sessionize_view_sql(jsonb);
DROP FUNCTION @extschema@.sessionize_columns_sql();
DROP FUNCTION @extschema@.sessionize_comment_columns(text, text);
DROP FUNCTION @extschema@.sessionize_create_dashboards(text, name, name, interval, integer, numeric);
DROP FUNCTION @extschema@.sessionize_config(regclass, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer);
-- the generators gained arguments (time_zone; session_start_column)
DROP FUNCTION @extschema@.create_session_view(regclass, text, interval, text, text, text, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean);
DROP FUNCTION @extschema@.create_session_table(regclass, text, interval, text, text, text, text, text, text, text, text, text[], text[], text[], interval, integer, integer, numeric, boolean);

'''
foot=open(root+'tools/upgrade-0.1.0--0.2.0.foot.sql').read()
open(root+'sql/sessionize--0.1.0--0.2.0.sql','w').write(head+body+foot)
