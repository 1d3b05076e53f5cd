package pipelines_test

// Tests of SQLTables and the tables a resource's reconciliation reads:
// hand-written queries (aliases, joins, subqueries, CTEs, comments,
// strings), SQL it must refuse, and the embedded catalog checked against
// the tables its FROM clauses name, found here by another route.

import (
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestSQLTables(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		want      []string
	}{
		{"one table with alias", "SELECT c.id FROM biz.cases c", []string{"biz.cases"}},
		{"AS alias", "SELECT c.id FROM biz.cases AS c WHERE c.id > 1", []string{"biz.cases"}},
		{"no alias", "select id from biz.cases", []string{"biz.cases"}},
		{"upper-case keywords", "SELECT X.ID FROM BIZ.CASES X LEFT OUTER JOIN BIZ.REGIONS R ON R.ID = X.REGION_ID", []string{"BIZ.CASES", "BIZ.REGIONS"}},
		{"joins of every kind", `SELECT 1 FROM biz.cases c
			JOIN biz.case_types t ON t.id = c.type_id
			LEFT JOIN biz.regions r ON r.id = c.district_id
			INNER JOIN stats.case_eval e ON e.case_id = c.id
			CROSS JOIN exchange.push_log p
			NATURAL JOIN fe_city_gov.cases f`,
			[]string{"biz.case_types", "biz.cases", "biz.regions", "exchange.push_log", "fe_city_gov.cases", "stats.case_eval"}},
		{"a table joined twice under two aliases", "SELECT 1 FROM biz.cases c LEFT JOIN biz.regions d ON d.id = c.district_id LEFT JOIN biz.regions s ON s.id = c.street_id",
			[]string{"biz.cases", "biz.regions"}},
		{"comma-separated FROM list", "SELECT 1 FROM biz.cases c, biz.regions r, stats.case_eval WHERE r.id = c.district_id",
			[]string{"biz.cases", "biz.regions", "stats.case_eval"}},
		{"subquery in a join", `SELECT g.id FROM biz.grids g
			LEFT JOIN (SELECT ug.resp_grid_id, COUNT(*) AS unit_grids FROM biz.unit_grids ug GROUP BY ug.resp_grid_id) u
			  ON u.resp_grid_id = g.id`, []string{"biz.grids", "biz.unit_grids"}},
		{"subquery as the FROM item", "SELECT x.n FROM (SELECT COUNT(*) AS n FROM biz.staff sf) x", []string{"biz.staff"}},
		{"nested subqueries", "SELECT 1 FROM (SELECT * FROM (SELECT a.case_id FROM biz.case_activities a) y JOIN biz.cases c ON c.id = y.case_id) z",
			[]string{"biz.case_activities", "biz.cases"}},
		{"subquery in a column", "SELECT c.id, (SELECT MAX(a.id) FROM biz.case_activities a WHERE a.case_id = c.id) AS last FROM biz.cases c",
			[]string{"biz.case_activities", "biz.cases"}},
		{"EXISTS and IN in WHERE", `SELECT 1 FROM biz.supervisors s WHERE EXISTS (SELECT 1 FROM biz.supervisor_status ss WHERE ss.supervisor_id = s.id)
			AND s.district_id IN (SELECT r.id FROM biz.regions r WHERE r.name = '成华区')`,
			[]string{"biz.regions", "biz.supervisor_status", "biz.supervisors"}},
		{"parenthesised join", "SELECT 1 FROM (biz.cases c JOIN biz.regions r ON r.id = c.district_id) LEFT JOIN biz.staff s ON s.id = c.staff_id",
			[]string{"biz.cases", "biz.regions", "biz.staff"}},
		{"comma after a join's ON", "SELECT 1 FROM biz.a x JOIN biz.b y ON x.id = y.id, biz.c z", []string{"biz.a", "biz.b", "biz.c"}},
		{"CTE names are not tables", `WITH last AS (SELECT a.case_id, MAX(a.id) AS id FROM biz.case_activities a GROUP BY a.case_id),
			d AS (SELECT id FROM biz.regions)
			SELECT 1 FROM biz.cases c JOIN last l ON l.case_id = c.id JOIN d ON d.id = c.district_id`,
			[]string{"biz.case_activities", "biz.cases", "biz.regions"}},
		{"FROM inside EXTRACT, TRIM and SUBSTRING is no clause", "SELECT EXTRACT(YEAR FROM c.report_time), TRIM(BOTH ' ' FROM c.address), SUBSTRING(c.case_no FROM 2) FROM biz.cases c",
			[]string{"biz.cases"}},
		{"strings and comments that look like SQL", `SELECT 'FROM biz.not_a_table' AS s, 'it''s FROM x' -- FROM biz.commented
			FROM biz.cases c /* JOIN biz.hidden h */ WHERE c.address <> 'JOIN y' # FROM z`, []string{"biz.cases"}},
		{"quoted names", "SELECT 1 FROM `biz`.`cases` c JOIN \"stats\".\"case_eval\" e ON e.case_id = c.id", []string{"biz.cases", "stats.case_eval"}},
		{"catalog.schema.table", "SELECT 1 FROM wh.biz.cases", []string{"biz.cases"}},
		{"parameters", "SELECT 1 FROM biz.cases c WHERE c.report_time >= :window_start AND c.report_time < :window_end", []string{"biz.cases"}},
		{"UNION of two sources", "SELECT id FROM biz.cases UNION ALL SELECT case_id FROM stats.case_eval", []string{"biz.cases", "stats.case_eval"}},
		{"no table at all", "SELECT 1", []string{}},
		{"Chinese text in names and strings", "SELECT c.id AS 编号 FROM biz.cases c WHERE c.address = '成都市'", []string{"biz.cases"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pipelines.SQLTables(tc.sql)
			if err != nil {
				t.Fatalf("SQLTables: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSQLTablesRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"unqualified table", "SELECT 1 FROM cases c", "offset 14: table cases is not qualified by its source"},
		{"unqualified joined table", "SELECT 1 FROM biz.cases c JOIN regions r ON r.id = c.district_id", "offset 31: table regions is not qualified"},
		{"unqualified after a comma", "SELECT 1 FROM biz.cases c, regions r", "table regions is not qualified"},
		{"table function", "SELECT * FROM read_csv('x.csv')", "table function read_csv(…)"},
		{"unterminated string", "SELECT 'abc FROM biz.cases", "offset 7: unterminated string literal"},
		{"unterminated comment", "SELECT 1 FROM biz.cases /* open", "unterminated /* comment"},
		{"unterminated quoted name", "SELECT 1 FROM `biz.cases", "unterminated quoted name"},
		{"missing )", "SELECT 1 FROM (SELECT id FROM biz.cases x", "offset 14: unbalanced parentheses: ( without )"},
		{"extra )", "SELECT 1 FROM biz.cases x)", "unbalanced parentheses: ) without ("},
		{"FROM at the end", "SELECT 1 FROM", "offset 13: the query ends where a table should follow"},
		{"FROM followed by a number", "SELECT 1 FROM 42", `expected a table after FROM or JOIN, found "42"`},
		{"too many parts", "SELECT 1 FROM a.b.c.d", "a.b.c.d: too many name parts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pipelines.SQLTables(tc.sql)
			if err == nil {
				t.Fatalf("no error; tables %q", got)
			}
			var se *pipelines.SQLError
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *SQLError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// qualifiedRE finds every schema.table the catalog's SQL names after a
// FROM or JOIN keyword: a second, cruder reading than SQLTables's, which
// suits the catalog because it writes every table that way.
var qualifiedRE = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)`)

func TestCatalogSourceTables(t *testing.T) {
	c := defaultCatalog(t)
	for i := range c.Resources {
		r := &c.Resources[i]
		got, err := r.SourceTables()
		if err != nil {
			t.Errorf("%s: %v", r.ID(), err)
			continue
		}
		set := map[string]bool{}
		for _, m := range qualifiedRE.FindAllStringSubmatch("FROM "+r.From+" WHERE "+r.Where, -1) {
			set[m[1]] = true
		}
		for _, col := range r.Columns {
			for _, m := range qualifiedRE.FindAllStringSubmatch(col.Expr, -1) {
				set[m[1]] = true
			}
		}
		var want []string
		for k := range set {
			want = append(want, k)
		}
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", r.ID(), got, want)
		}
	}
}

func TestResourceTables(t *testing.T) {
	c := defaultCatalog(t)
	// province's one every_10m resource.
	var due []*pipelines.Resource
	for i := range c.Resources {
		if c.Resources[i].Cadence == pipelines.Every10m {
			due = append(due, &c.Resources[i])
		}
	}
	if len(due) != 1 {
		t.Fatalf("every_10m resources: %d, want 1", len(due))
	}
	r := due[0]
	src, err := r.SourceTables()
	if err != nil {
		t.Fatal(err)
	}
	tgt, _ := c.Target(r.Target)
	ev := r.EvidenceTables(tgt, "")
	if want := []string{"exchange.push_log", tgt.Database + "." + r.Table}; !slices.Equal(ev, want) {
		t.Errorf("evidence tables: got %q, want %q", ev, want)
	}
	if got := r.EvidenceTables(tgt, "ex2.pushes"); got[0] != "ex2.pushes" {
		t.Errorf("evidence tables with a push log of the config: %q", got)
	}
	byS, err := c.TablesOf(due, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for s, ts := range byS {
		n += len(ts)
		for _, x := range ts {
			if q := s + "." + x; !slices.Contains(src, q) && !slices.Contains(ev, q) {
				t.Errorf("TablesOf: %s is neither a source nor an evidence table", q)
			}
		}
	}
	if n != len(src)+len(ev) {
		t.Errorf("TablesOf: %d tables, want %d: %v", n, len(src)+len(ev), byS)
	}
	// a receipt resource has no front-end table.
	for i := range c.Resources {
		if rr := &c.Resources[i]; rr.Mode == pipelines.ModeReceipt {
			tg, _ := c.Target(rr.Target)
			if got := rr.EvidenceTables(tg, ""); !slices.Equal(got, []string{"exchange.push_log"}) {
				t.Errorf("%s: evidence tables %q", rr.ID(), got)
			}
		}
	}
	// A resource whose SQL cannot be read is named.
	bad := *r
	bad.From = "cases c"
	if _, err := c.TablesOf([]*pipelines.Resource{&bad}, ""); err == nil || !strings.Contains(err.Error(), r.ID()) || !strings.Contains(err.Error(), "not qualified") {
		t.Errorf("TablesOf of an unqualified FROM: %v", err)
	}
}
