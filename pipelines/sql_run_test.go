package pipelines_test

// Running the catalog on an engine and comparing the normalised results
// between engines.

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// runCatalog runs every resource query and every counter expression on e.
// It returns each resource's rows, normalised (see canon) and sorted, so
// engines can be compared.
func runCatalog(t *testing.T, e *engine, c *pipelines.Catalog) map[string][]string {
	results := map[string][]string{}
	for _, r := range c.Resources {
		t.Run(r.Target+"/"+r.Key, func(t *testing.T) {
			q, err := pipelines.Render(r.SourceSQL(), pipelines.WindowParams(testWindow(t, r.Cadence), testAsOf))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := e.db.Query(e.q(q))
			if err != nil {
				t.Fatalf("%s: %v\n%s", e.name, err, e.q(q))
			}
			defer rows.Close()
			names, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			idx := map[string]int{}
			for i, n := range names {
				idx[strings.ToLower(n)] = i
			}
			if len(names) != len(r.Columns) {
				t.Fatalf("%d columns, want %d", len(names), len(r.Columns))
			}
			for i, col := range r.Columns {
				if !strings.EqualFold(names[i], col.Name) {
					t.Errorf("column %d is %q, want %q", i, names[i], col.Name)
				}
			}
			keys := map[string]int{}
			n := 0
			for rows.Next() {
				vals := make([]any, len(names))
				ptrs := make([]any, len(names))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				n++
				row := make([]string, len(vals))
				for i, v := range vals {
					row[i] = canon(v)
				}
				results[r.ID()] = append(results[r.ID()], strings.Join(row, " | "))
				var k []string
				for _, kc := range r.KeyColumns {
					v := vals[idx[kc]]
					if v == nil {
						t.Errorf("row %d: key column %s is NULL", n, kc)
					}
					k = append(k, text(v))
				}
				keys[strings.Join(k, "|")]++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if want, ok := fixtureRows[r.ID()]; !ok {
				t.Errorf("no expected row count for %s", r.ID())
			} else if n != want {
				t.Errorf("%s: %d rows for window %s, want %d", e.name, n, testWindow(t, r.Cadence), want)
			}
			for k, cnt := range keys {
				if cnt > 1 {
					t.Errorf("%s: key %s appears %d times", e.name, k, cnt)
				}
			}
			sort.Strings(results[r.ID()])
		})
	}
	t.Run("stats_counters", func(t *testing.T) {
		params := pipelines.Params{"as_of": pipelines.TimeParam(testAsOf)}
		for _, s := range c.StatsCounters {
			// 0 on the NULL row of an outer join.
			q, err := pipelines.Render("SELECT "+s.Expr+" AS v FROM (SELECT 1 AS one) z LEFT JOIN biz.cases c ON 1 = 0", params)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := e.db.QueryRow(e.q(q)).Scan(&v); err != nil {
				t.Errorf("%s: counter %s: %v\n%s", e.name, s.Name, err, e.q(q))
				continue
			}
			if text(v) != "0" {
				t.Errorf("%s: counter %s is %v on an outer join's NULL row, want 0", e.name, s.Name, text(v))
			}
		}
		// The counters stats.case_eval holds are what the expressions give.
		var n int
		if err := e.db.QueryRow(e.q("SELECT COUNT(*) FROM stats.case_eval e WHERE e.report_cnt = 1")).Scan(&n); err != nil || n != 6 {
			t.Errorf("%s: stats.case_eval has %d reported cases (%v), want 6", e.name, n, err)
		}
	})
	return results
}

var (
	dateTimeRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.0+)?$`)
	numberRE   = regexp.MustCompile(`^-?\d+(\.\d+)?$`)
)

// canon renders a scanned value the same way whatever the engine and
// driver: times as "2006-01-02 15:04:05" (a date alone at midnight),
// numbers without trailing zeros.
func canon(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		s = x.Format("2006-01-02 15:04:05.000")
	case interface{ Float64() float64 }:
		s = strconv.FormatFloat(x.Float64(), 'f', -1, 64)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = text(v)
	}
	if m := dateTimeRE.FindStringSubmatch(s); m != nil {
		if m[2] == "00:00:00" {
			return m[1]
		}
		return m[1] + " " + m[2]
	}
	if numberRE.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return s
}

// compareResults reports resources whose rows differ between engines.
func compareResults(t *testing.T, name string, got, want map[string][]string) {
	t.Helper()
	for id, w := range want {
		g := got[id]
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: %s differs from DuckDB\n%s:\n  %s\nduckdb:\n  %s", name, id, name,
				strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}
}
