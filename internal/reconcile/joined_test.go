package reconcile

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestRelaxedWhere(t *testing.T) {
	for _, c := range []struct {
		where, want string
		ok          bool
	}{
		{"", "", true},
		{"c.status = 1", "c.status = 1", true},
		// the state of a case at the window end
		{"c.dispatch_time < :window_end AND (c.handle_time IS NULL OR c.handle_time >= :window_end)",
			"(c.dispatch_time < :max_window_end) AND ((c.handle_time IS NULL) OR (c.handle_time >= :min_window_end))", true},
		{"c.report_time >= :day_start AND c.report_time <= :window_end AND c.file_result = 1",
			"(c.report_time >= :min_day_start) AND (c.report_time <= :max_window_end) AND (c.file_result = 1)", true},
		{"(c.t > :window_start)", "c.t > :min_window_start", true},
		{"((c.t > :window_start))", "c.t > :min_window_start", true},
		// parentheses that do not enclose the whole stay
		{"(c.a = 1) OR (c.t < :window_end)", "((c.a = 1)) OR (c.t < :max_window_end)", true},
		{"(c.a = ')') OR c.t < :window_end", "((c.a = ')')) OR (c.t < :max_window_end)", true},
		// a function of a parameter-free expression is bounded alike
		{"coalesce(c.a, c.b) < :as_of", "coalesce(c.a, c.b) < :max_as_of", true},
		// quotes and words that hold AND/OR are not split
		{"c.name = 'AND OR (' and c.t < :window_end", "(c.name = 'AND OR (') AND (c.t < :max_window_end)", true},
		{"c.brand = 1 AND c.t < :window_end", "(c.brand = 1) AND (c.t < :max_window_end)", true},
		// no simple bound
		{"c.t = :window_end", "", false},
		{"c.t <> :window_end", "", false},
		{"c.t != :window_end", "", false},
		{"NOT c.t < :window_end", "", false},
		{"NOT (c.t < :window_end OR c.x = 1)", "", false},
		{":window_start <= c.t", "", false},
		{"c.t BETWEEN :window_start AND :window_end", "", false},
		{"c.flag BETWEEN 1 AND 2 AND c.t < :window_end", "", false},
		{"CASE WHEN c.a = 1 AND c.b = 2 THEN c.t END < :window_end", "", false},
		{"c.id IN (SELECT a.case_id FROM biz.case_activities a WHERE a.t < :window_end)", "", false},
		{"c.t < :window_end + INTERVAL 1 HOUR", "", false},
		{"c.t < :window_end OR c.t > :window_start + 1", "", false},
	} {
		got, ok := relaxedWhere(c.where)
		if ok != c.ok || got != c.want {
			t.Errorf("relaxedWhere(%q) = %q, %v; want %q, %v", c.where, got, ok, c.want, c.ok)
		}
	}
}

func TestJoinedSource(t *testing.T) {
	sh := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, pipelines.Shanghai) }
	ws := []pipelines.Window{{Start: sh(9, 0), End: sh(9, 30)}, {Start: sh(9, 30), End: sh(10, 0)}, {Start: sh(10, 0), End: sh(10, 30)}}
	res := &pipelines.Resource{Target: "t", Key: "k", Cadence: pipelines.Every30m, Mode: pipelines.ModeRows,
		From:  "biz.cases c LEFT JOIN biz.categories t ON t.id = c.type_id",
		Where: "c.dispatch_time < :window_end AND (c.close_time IS NULL OR c.close_time >= :window_end)",
		Columns: []pipelines.Column{{Name: "case_id", Expr: "c.id"},
			{Name: "archived", Expr: "CASE WHEN c.archive_time < :window_end THEN c.archive_time END"}},
		ChangedAt: "c.updated_at"}
	q, a, ok := joinedSource(res, ws)
	if !ok {
		t.Fatal("a state resource with simple bounds is not joined")
	}
	for _, want := range []string{
		"CASE WHEN c.archive_time < __win.window_end THEN c.archive_time END AS archived",
		"__win.window_start AS __w FROM (VALUES (",
		"biz.cases c LEFT JOIN biz.categories t",
		"WHERE (c.dispatch_time < __win.window_end AND (c.close_time IS NULL OR c.close_time >= __win.window_end))",
		"AND ((c.dispatch_time < $max_window_end) AND ((c.close_time IS NULL) OR (c.close_time >= $min_window_end)))",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("joined query lacks %q:\n%s", want, q)
		}
	}
	if strings.Contains(q, ":") {
		t.Errorf("a catalog parameter is left in the joined query:\n%s", q)
	}
	if a["max_window_end"] != sh(10, 30) || a["min_window_end"] != sh(9, 30) || a["w1_window_start"] != sh(9, 30) || a["w2_as_of"] != sh(10, 30) {
		t.Errorf("joined args: %v", a)
	}
	for name, mut := range map[string]func(r *pipelines.Resource){
		"a parameter in a join's ON": func(r *pipelines.Resource) {
			r.From = "biz.cases c JOIN biz.activities a ON a.case_id = c.id AND a.t < :window_end"
		},
		"an unknown parameter in FROM": func(r *pipelines.Resource) {
			r.From = "(SELECT * FROM biz.cases WHERE report_time < :yesterday) c"
		},
		"an unknown parameter":   func(r *pipelines.Resource) { r.Where = "c.t < :yesterday" },
		"an unbounded WHERE":     func(r *pipelines.Resource) { r.Where = "c.t = :window_end" },
		"a one-time resource":    func(r *pipelines.Resource) { r.Cadence = pipelines.Once },
		"a receipt (media copy)": func(r *pipelines.Resource) { r.Mode = pipelines.ModeReceipt },
		// one row per window even without source rows: grouped by
		// window, an empty window would have none
		"an aggregate without dimensions": func(r *pipelines.Resource) { r.Mode = pipelines.ModeMeasures },
	} {
		r := *res
		mut(&r)
		if _, _, ok := joinedSource(&r, ws); ok {
			t.Errorf("%s: joined", name)
		}
	}
	// grouped by its dimensions and every parameter of the window, which a
	// column may show (the day of the window end, say)
	m := *res
	m.Mode = pipelines.ModeMeasures
	m.Columns = []pipelines.Column{{Name: "district", Expr: "c.district_id", Dim: true},
		{Name: "day", Expr: "CAST(:window_end AS DATE)", Dim: true}, {Name: "n", Expr: "COUNT(*)"}}
	q, _, ok = joinedSource(&m, ws)
	if want := " GROUP BY c.district_id, CAST(__win.window_end AS DATE), __win.as_of, __win.day_start, __win.month_start, __win.months6_start, __win.window_end, __win.window_start"; !ok || !strings.HasSuffix(q, want) {
		t.Errorf("joined measures (ok %v) end %q, want %q", ok, q[max(0, len(q)-len(want)):], want)
	}
	if _, _, ok := joinedSource(res, ws[:1]); ok {
		t.Error("one window: joined")
	}
	// a parameter in a subquery of the FROM: a lateral join on __win, the
	// bound beside it
	l := *res
	l.From = "(SELECT s.id FROM biz.status s WHERE s.online = 1 AND s.t >= :window_start AND s.t < :window_end GROUP BY s.id) o"
	l.Where, l.Columns = "", []pipelines.Column{{Name: "id", Expr: "o.id"}}
	q, _, ok = joinedSource(&l, ws)
	if want := "FROM (VALUES"; !ok || !strings.Contains(q, want) ||
		!strings.Contains(q, "(s.t >= __win.window_start AND s.t >= $min_window_start) AND (s.t < __win.window_end AND s.t < $max_window_end) GROUP BY s.id) o") {
		t.Errorf("lateral FROM (ok %v):\n%s", ok, q)
	}
}

// TestLateralFrom: every parameter of the FROM must stand in a subquery;
// a comparison standing alone gets its constant bound beside it, one
// inside arithmetic, a function or a CASE is left as it is.
func TestLateralFrom(t *testing.T) {
	for _, c := range []struct {
		from, want string
		ok         bool
	}{
		{"biz.cases c", "biz.cases c", true},
		{"(SELECT x.id FROM t x WHERE x.t >= :window_start AND x.t < :window_end GROUP BY x.id) o",
			"(SELECT x.id FROM t x WHERE (x.t >= :window_start AND x.t >= :min_window_start) AND (x.t < :window_end AND x.t < :max_window_end) GROUP BY x.id) o", true},
		{"(SELECT * FROM t WHERE (t <= :as_of)) o JOIN u ON u.id = o.id",
			"(SELECT * FROM t WHERE ((t <= :as_of AND t <= :max_as_of))) o JOIN u ON u.id = o.id", true},
		{"( select * from t where a = 1 or t > :day_start) o", "( select * from t where a = 1 or (t > :day_start AND t > :min_day_start)) o", true},
		// not a condition of its own: left unbounded, still correct
		{"(SELECT * FROM t WHERE x + y < :window_end) o", "(SELECT * FROM t WHERE x + y < :window_end) o", true},
		{"(SELECT * FROM t WHERE x < :window_end + INTERVAL 1 DAY) o", "(SELECT * FROM t WHERE x < :window_end + INTERVAL 1 DAY) o", true},
		{"(SELECT CASE WHEN x < :window_end THEN 1 END AS f FROM t) o", "(SELECT CASE WHEN x < :window_end THEN 1 END AS f FROM t) o", true},
		// outside a subquery: __win is not seen there
		{"t JOIN u ON u.t < :window_end", "", false},
		{"(t JOIN u ON u.t < :window_end)", "", false},
		{"(SELECT * FROM t) o JOIN u ON u.t < :window_end", "", false},
		// in a join's ON inside a subquery: an outer join on a lateral
		// column is not decorrelated
		{"(SELECT a.id FROM a LEFT JOIN b ON b.id = a.id AND b.t < :window_end) o", "", false},
		{"(SELECT a.id FROM a JOIN b ON (b.id = a.id AND (b.t < :window_end))) o", "", false},
		// ON in a nested subquery or in quotes does not count
		{"(SELECT a.id FROM a JOIN (SELECT * FROM b) b ON b.id = a.id WHERE a.t < :window_end) o",
			"(SELECT a.id FROM a JOIN (SELECT * FROM b) b ON b.id = a.id WHERE (a.t < :window_end AND a.t < :max_window_end)) o", true},
		{"(SELECT a.id FROM a WHERE a.s <> ' ON ' AND a.t < :window_end) o",
			"(SELECT a.id FROM a WHERE a.s <> ' ON ' AND (a.t < :window_end AND a.t < :max_window_end)) o", true},
		// in quotes (where Render would still put a value): not taken
		{"(SELECT * FROM t WHERE s = ':window_end') o", "", false},
	} {
		got, ok := lateralFrom(c.from)
		if ok != c.ok || got != c.want {
			t.Errorf("lateralFrom(%q) = %q, %v; want %q, %v", c.from, got, ok, c.want, c.ok)
		}
	}
}
