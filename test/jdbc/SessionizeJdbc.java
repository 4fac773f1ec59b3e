// test/jdbc/SessionizeJdbc.java: reads sessionize's generated relations the way
// a BI tool does, through the PostgreSQL JDBC driver (run by test/t_jdbc.sh).
//
//   java -cp DIR:postgresql.jar SessionizeJdbc URL FROM TO PLATFORM NAME:KIND...
//
// NAME is a session view (KIND view) or session table (KIND table) made with
// dashboards => true in schema public.  Like Metabase's sync:
// DatabaseMetaData.getTables and getColumns list the relations, their JDBC
// types and REMARKS (comments); every view of the schema, and each session
// table, must have a remark on itself and on every column, and plain JDBC
// types only; each view is read with SELECT * (the result set's types must
// be the catalog's).  Then, for each NAME, as a BI tool filters a date range
// and a platform with bound parameters: the _engagement view re-aggregated
// (sums, and the rates computed from them), the _daily view's sessions (the
// range bound as dates, and as timestamps), the other dashboards' measures
// summed, and session_kpis(NAME, FROM, TO, PLATFORM) and with a NULL platform.
//
// Output: "ok: ..." and "FAIL: ..." lines for the catalog checks, and
// key=value lines for the numbers (compared with SQL by test/t_jdbc.sh);
// "done=1" last.  Exit status 1 when a check failed, 2 on an error.
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.*;
import java.time.LocalDate;
import java.util.*;

public class SessionizeJdbc {
    static int failures = 0;

    static void ok(String what) { System.out.println("ok:   " + what); }
    static void fail(String what) { System.out.println("FAIL: " + what); failures++; }
    static void kv(String key, Object value) {
        String v;
        if (value == null) v = "";
        else if (value instanceof BigDecimal) v = ((BigDecimal) value).toPlainString();
        else v = value.toString();
        System.out.println(key + "=" + v);
    }

    // The JDBC types a BI tool maps to a plain field.  pgjdbc reports
    // boolean as BIT (TYPE_NAME bool).
    static final Set<Integer> PLAIN = new HashSet<>(Arrays.asList(
        Types.VARCHAR, Types.CHAR, Types.BIGINT, Types.INTEGER, Types.SMALLINT,
        Types.NUMERIC, Types.DECIMAL, Types.DOUBLE, Types.REAL, Types.FLOAT,
        Types.DATE, Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE, Types.BOOLEAN));

    static boolean plain(int type, String typeName) {
        return PLAIN.contains(type) || (type == Types.BIT && "bool".equals(typeName));
    }

    static String typeLabel(int type) {
        try {
            return JDBCType.valueOf(type).getName();
        } catch (IllegalArgumentException e) {
            return "type" + type;
        }
    }

    static final String[] DASHBOARDS = {"_daily", "_length_distribution", "_users",
        "_engagement", "_entry_exit", "_pages", "_concluded"};

    // key, dashboard, measure over a range
    static final String[][] RANGE_MEASURES = {
        {"length_distribution.sessions", "_length_distribution", "sum(sessions)"},
        {"users.sessions", "_users", "sum(sessions)"},
        {"users.users", "_users", "count(DISTINCT user_pseudo_id)"},
        {"entry_exit.entry_sessions", "_entry_exit", "sum(entry_sessions)"},
        {"entry_exit.exit_sessions", "_entry_exit", "sum(exit_sessions)"},
        {"pages.entry_sessions", "_pages", "sum(entry_sessions)"},
        {"pages.exit_sessions", "_pages", "sum(exit_sessions)"},
        {"concluded.sessions", "_concluded", "count(*)"},
    };

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: SessionizeJdbc URL FROM TO PLATFORM NAME:KIND...");
            System.exit(2);
        }
        String url = args[0];
        LocalDate from = LocalDate.parse(args[1]), to = LocalDate.parse(args[2]);
        String platform = args[3];
        // relation -> kind (view, table)
        Map<String, String> bases = new LinkedHashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] p = args[i].split(":", 2);
            bases.put(p[0], p[1]);
        }
        try (Connection c = DriverManager.getConnection(url)) {
            DatabaseMetaData md = c.getMetaData();
            kv("driver", md.getDriverName() + " " + md.getDriverVersion());
            kv("server", md.getDatabaseProductVersion());

            // the relations of the schema, as Metabase lists them
            Map<String, String> tables = new TreeMap<>();	// name -> type
            Map<String, String> remarks = new HashMap<>();
            try (ResultSet rs = md.getTables(null, "public", "%",
                    new String[] {"TABLE", "PARTITIONED TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE"})) {
                while (rs.next()) {
                    tables.put(rs.getString("TABLE_NAME"), rs.getString("TABLE_TYPE"));
                    remarks.put(rs.getString("TABLE_NAME"), rs.getString("REMARKS"));
                }
            }

            // what must be there: each base and its dashboards
            List<String> views = new ArrayList<>();
            Set<String> dashboards = new HashSet<>();
            for (Map.Entry<String, String> b : bases.entrySet()) {
                String want = b.getValue().equals("view") ? "VIEW" : "TABLE";
                if (want.equals(tables.get(b.getKey()))) ok("getTables lists " + b.getKey() + " as " + want);
                else fail("getTables lists " + b.getKey() + " as " + tables.get(b.getKey()) + ", not " + want);
                for (String suffix : DASHBOARDS) {
                    String v = b.getKey() + suffix;
                    // the page report reads the events: session views only
                    boolean expected = !(suffix.equals("_pages") && b.getValue().equals("table"));
                    if (expected && !"VIEW".equals(tables.get(v))) fail("dashboard view " + v + " is missing");
                    if (expected) dashboards.add(v);
                    if (!expected && tables.containsKey(v)) fail(v + " exists, though a session table has no page report");
                }
            }
            // every view of the schema (all are generated), and the session tables
            List<String> checked = new ArrayList<>();
            for (Map.Entry<String, String> t : tables.entrySet()) {
                if (t.getValue().equals("VIEW")) {
                    views.add(t.getKey());
                    checked.add(t.getKey());
                } else if ("table".equals(bases.get(t.getKey()))) {
                    checked.add(t.getKey());
                }
            }
            kv("views", views.size());

            int columnsChecked = 0;
            for (String rel : checked) {
                String remark = remarks.get(rel);
                if (remark == null || remark.trim().isEmpty()) fail(rel + " has no comment (REMARKS)");
                List<String> cols = new ArrayList<>();
                List<Integer> types = new ArrayList<>();
                StringBuilder bad = new StringBuilder(), unremarked = new StringBuilder(), desc = new StringBuilder();
                try (ResultSet rs = md.getColumns(null, "public", rel, "%")) {
                    while (rs.next()) {
                        String col = rs.getString("COLUMN_NAME");
                        int type = rs.getInt("DATA_TYPE");
                        String typeName = rs.getString("TYPE_NAME");
                        String r = rs.getString("REMARKS");
                        cols.add(col);
                        types.add(type);
                        desc.append(desc.length() > 0 ? " " : "").append(col).append(':').append(typeLabel(type));
                        if (type == Types.BIT || type == Types.OTHER) desc.append('/').append(typeName);
                        if (!plain(type, typeName))
                            bad.append(' ').append(col).append(" (").append(typeLabel(type)).append(' ').append(typeName).append(')');
                        if (r == null || r.trim().isEmpty()) unremarked.append(' ').append(col);
                        columnsChecked++;
                    }
                }
                kv("columns." + rel, desc);
                // the dimensions a BI tool filters by: a date and a text
                if (dashboards.contains(rel)) {
                    int d = cols.indexOf("session_date"), p = cols.indexOf("platform");
                    if (d < 0 || types.get(d) != Types.DATE)
                        fail(rel + ": session_date is " + (d < 0 ? "missing" : typeLabel(types.get(d))) + ", not DATE");
                    if (p < 0 || types.get(p) != Types.VARCHAR)
                        fail(rel + ": platform is " + (p < 0 ? "missing" : typeLabel(types.get(p))) + ", not VARCHAR");
                }
                if (cols.isEmpty()) fail(rel + ": getColumns returns no column");
                if (bad.length() > 0) fail(rel + ": columns whose JDBC type is not plain:" + bad);
                if (unremarked.length() > 0) fail(rel + ": columns without a comment (REMARKS):" + unremarked);

                if (!"VIEW".equals(tables.get(rel))) continue;
                // read it all, as a BI tool previews or extracts it
                long rows = 0;
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT * FROM public.\"" + rel.replace("\"", "\"\"") + "\"")) {
                    ResultSetMetaData rm = rs.getMetaData();
                    if (rm.getColumnCount() != cols.size()) {
                        fail(rel + ": SELECT * has " + rm.getColumnCount() + " columns, getColumns " + cols.size());
                    } else {
                        for (int i = 1; i <= rm.getColumnCount(); i++) {
                            if (!rm.getColumnName(i).equals(cols.get(i - 1)) || rm.getColumnType(i) != types.get(i - 1))
                                fail(rel + ": result column " + i + " is " + rm.getColumnName(i) + " "
                                     + typeLabel(rm.getColumnType(i)) + ", getColumns says " + cols.get(i - 1)
                                     + " " + typeLabel(types.get(i - 1)));
                        }
                    }
                    while (rs.next()) {
                        for (int i = 1; i <= rm.getColumnCount(); i++) rs.getObject(i);
                        rows++;
                    }
                }
                kv("rows." + rel, rows);
            }
            if (failures == 0)
                ok(checked.size() + " relations (" + views.size() + " views), " + columnsChecked
                   + " columns: comments on each, plain JDBC types, SELECT * types as the catalog's;"
                   + " session_date DATE and platform VARCHAR in the " + dashboards.size() + " dashboard views");

            // A BI tool's range and platform filter, with bound parameters
            for (String b : bases.keySet()) {
                String q = "\"" + b.replace("\"", "\"\"");
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(sessions), sum(engaged_sessions), sum(session_views),"
                        + " sum(total_engagement_seconds), sum(total_session_seconds)"
                        + " FROM public." + q + "_engagement\""
                        + " WHERE session_date BETWEEN ? AND ? AND platform = ?")) {
                    ps.setObject(1, from);
                    ps.setObject(2, to);
                    ps.setString(3, platform);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        BigDecimal sessions = rs.getBigDecimal(1), engaged = rs.getBigDecimal(2),
                            views_ = rs.getBigDecimal(3), engSec = rs.getBigDecimal(4), sessSec = rs.getBigDecimal(5);
                        String k = "engagement." + b + ".";
                        kv(k + "sessions", sessions);
                        kv(k + "engaged_sessions", engaged);
                        kv(k + "session_views", views_);
                        kv(k + "total_engagement_seconds", engSec);
                        kv(k + "total_session_seconds", sessSec);
                        if (sessions != null && sessions.signum() > 0) {
                            kv(k + "engagement_rate", engaged.divide(sessions, 4, RoundingMode.HALF_UP));
                            kv(k + "avg_views_per_session", views_.divide(sessions, 4, RoundingMode.HALF_UP));
                            kv(k + "avg_engagement_seconds_per_session", engSec.divide(sessions, 3, RoundingMode.HALF_UP));
                            kv(k + "avg_session_seconds", sessSec.divide(sessions, 3, RoundingMode.HALF_UP));
                        }
                    }
                }
                // the other dashboards' measures, summed over the range and platform
                for (String[] m : RANGE_MEASURES) {
                    if (m[1].equals("_pages") && !bases.get(b).equals("view")) continue;
                    try (PreparedStatement ps = c.prepareStatement("SELECT " + m[2] + " FROM public." + q + m[1] + "\""
                            + " WHERE session_date BETWEEN ? AND ? AND platform = ?")) {
                        ps.setObject(1, from);
                        ps.setObject(2, to);
                        ps.setString(3, platform);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            kv("range." + b + "." + m[0], rs.getObject(1));
                        }
                    }
                }
                // as Metabase filters a date column: half-open, timestamps bound
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(sessions) FROM public." + q + "_daily\""
                        + " WHERE session_date >= ? AND session_date < ? AND platform = ?")) {
                    ps.setTimestamp(1, Timestamp.valueOf(from.atStartOfDay()));
                    ps.setTimestamp(2, Timestamp.valueOf(to.plusDays(1).atStartOfDay()));
                    ps.setString(3, platform);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        kv("daily." + b + ".sessions_platform_timestamps", rs.getBigDecimal(1));
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT sum(sessions), sum(sessions) FILTER (WHERE platform = ?)"
                        + " FROM public." + q + "_daily\" WHERE session_date BETWEEN ? AND ?")) {
                    ps.setString(1, platform);
                    ps.setObject(2, from);
                    ps.setObject(3, to);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        kv("daily." + b + ".sessions", rs.getBigDecimal(1));
                        kv("daily." + b + ".sessions_platform", rs.getBigDecimal(2));
                    }
                }
                for (String p : new String[] {platform, null}) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT * FROM session_kpis(?, ?, ?, ?)")) {
                        ps.setString(1, b);
                        ps.setObject(2, from);
                        ps.setObject(3, to);
                        if (p == null) ps.setNull(4, Types.VARCHAR);
                        else ps.setString(4, p);
                        try (ResultSet rs = ps.executeQuery()) {
                            ResultSetMetaData rm = rs.getMetaData();
                            rs.next();
                            for (int i = 1; i <= rm.getColumnCount(); i++)
                                kv("kpis." + b + "." + (p == null ? "all" : "platform") + "." + rm.getColumnName(i),
                                   rs.getObject(i));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            System.out.println("FAIL: " + e);
            System.exit(2);
        }
        System.out.println("done=1");
        System.exit(failures > 0 ? 1 : 0);
    }
}
