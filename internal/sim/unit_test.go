package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

func TestKeylessDDL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"CREATE TABLE cases (\n  id BIGINT,\n  PRIMARY KEY (id),\n  UNIQUE KEY uk (case_no)\n)", "CREATE TABLE cases (\n  id BIGINT,\n  PRIMARY KEY (id),\n  UNIQUE KEY uk (case_no)\n)"},
		{"CREATE TABLE media (\n  id BIGINT,\n  PRIMARY KEY (id),\n  UNIQUE KEY uk (x)\n)", "CREATE TABLE media (\n  id BIGINT,\n  KEY pk (id),\n  KEY uk (x)\n)"},
	} {
		if got := keylessDDL(tc.in); got != tc.want {
			t.Errorf("keylessDDL:\n%s\nwant\n%s", got, tc.want)
		}
	}
}

func TestSplitSQL(t *testing.T) {
	ddl, err := schemas.MySQL("biz")
	if err != nil {
		t.Fatal(err)
	}
	stmts := splitSQL(ddl)
	if got, want := len(stmts), strings.Count(ddl, "CREATE TABLE"); got != want {
		t.Fatalf("%d statements, want %d", got, want)
	}
	for _, s := range stmts {
		if !strings.HasPrefix(s, "CREATE TABLE ") || strings.HasSuffix(s, ";") {
			t.Errorf("statement %q", firstLine(s))
		}
	}
}

func TestGenDay_Workflow(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai) // a Friday
	asOf := day.Add(30 * time.Hour)
	w := buildWorld(3, 100, day, 1)
	a := w.genDay(3, 0, day, asOf, 11300)
	b := buildWorld(3, 100, day, 1).genDay(3, 0, day, asOf, 11300)
	if len(a.cases.rows) != len(b.cases.rows) || len(a.activities.rows) != len(b.activities.rows) {
		t.Fatal("the same seed gave different days")
	}
	if n := len(a.cases.rows); n < 11300*0.9 || n > 11300*1.3 {
		t.Errorf("%d cases on a weekday, want about 11,300", n)
	}
	col := map[string]int{}
	for i, c := range caseCols {
		col[c] = i
	}
	stages := map[any]int{}
	for _, r := range a.cases.rows {
		stages[r[col["stage_id"]]]++
		if r[col["report_time"]] == nil {
			t.Fatal("case without report time")
		}
	}
	// by the next morning most cases are closed, some rejected, suspended
	// or void, and some still in progress.
	if stages[6] < len(a.cases.rows)*6/10 {
		t.Errorf("only %d of %d cases closed: %v", stages[6], len(a.cases.rows), stages)
	}
	for _, s := range []int{4, 7, 8, 10, 11} {
		if stages[s] == 0 {
			t.Errorf("no case in stage %d: %v", s, stages)
		}
	}
	if per := float64(len(a.activities.rows)) / float64(len(a.cases.rows)); per < 4 || per > 10 {
		t.Errorf("%.1f activities a case", per)
	}
	// the weekly rhythm: a Sunday has fewer cases.
	sun := day.AddDate(0, 0, 2)
	s := w.genDay(3, 2, sun, sun.Add(30*time.Hour), 11300)
	if len(s.cases.rows) >= len(a.cases.rows) {
		t.Errorf("Sunday %d cases, Friday %d", len(s.cases.rows), len(a.cases.rows))
	}
}

func TestFaultKinds_ExpectStatus(t *testing.T) {
	for _, k := range FaultKinds {
		if !k.ExpectStatus().Valid() || !k.ExpectStatus().Finding() {
			t.Errorf("%s: %q", k, k.ExpectStatus())
		}
	}
}
