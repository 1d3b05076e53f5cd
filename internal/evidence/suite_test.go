package evidence

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// fxRow is one record of the fixture resource, every value in the text
// form DuckDB gives it back in (CAST AS VARCHAR); nil is NULL.
type fxRow struct {
	Code                         string
	Name, Amount, At, Day, Count *string
}

// fxBatch is one push (a receipt file, a front-end batch).
type fxBatch struct {
	ID      string // batch id without the file extension
	Arrived time.Time
	Rows    []fxRow
}

// malformed is what a file adapter's malformed input must yield.
type malformed struct {
	errs   []pipelines.RowError // File, Line and Column of every error
	failed []string             // files that fail as a whole
	good   []string             // codes of the rows that still load
}

// fixture is one evidence adapter over a fresh warehouse.
type fixture struct {
	ev     pipelines.Evidence
	db     *sql.DB
	res    *pipelines.Resource
	suffix string // batch_id = fxBatch.ID + suffix (a file extension)
	files  bool   // the adapter reads files: one per batch
	// put replaces what the target holds with batches.
	put func(t *testing.T, batches []fxBatch)
	// putMalformed adds malformed files to good; nil for adapters that
	// read no files.
	putMalformed func(t *testing.T) malformed
}

var (
	t1 = time.Date(2026, 11, 20, 23, 41, 7, 0, pipelines.Shanghai)
	t2 = time.Date(2026, 11, 21, 1, 2, 3, 0, pipelines.Shanghai)
	t3 = time.Date(2026, 11, 22, 6, 0, 0, 0, pipelines.Shanghai)
)

// fxFirst is the first load: NULLs, CJK, emoji, a line break, quotes,
// negative and zero decimals, keys that differ only by case.
var fxFirst = []fxBatch{
	{ID: "fx_20261120", Arrived: t1, Rows: []fxRow{
		{Code: "A-001", Name: strp("东风渠 桥梁 🚧"), Amount: strp("104.06312345"), At: strp("2026-11-20 10:00:00"), Day: strp("2026-11-20"), Count: strp("42")},
		{Code: "a-001", Name: strp(`He said "你好", twice`), Amount: strp("-0.00000001"), At: strp("2026-11-20 23:59:59"), Day: strp("2026-02-28"), Count: strp("-7")},
		{Code: "井盖-003", Name: strp("𠮷野家\n第二行"), Amount: strp("0.00000000"), At: strp("2026-01-01 00:00:00"), Day: strp("2026-01-01"), Count: strp("0")},
	}},
	{ID: "fx_20261121", Arrived: t2, Rows: []fxRow{
		{Code: "B-002"},
		{Code: "b-002", Name: strp("成华区 🏙️"), Amount: strp("30.66789012"), At: strp("2026-11-21 00:30:00"), Day: strp("2026-11-21"), Count: strp("9007199254740993")},
	}},
}

// fxSecond replaces the first load.
var fxSecond = []fxBatch{
	{ID: "fx_20261122", Arrived: t3, Rows: []fxRow{
		{Code: "A-001", Name: strp("东风渠 桥梁 (更新)"), Amount: strp("104.06312346"), At: strp("2026-11-22 10:00:00"), Day: strp("2026-11-22"), Count: strp("43")},
		{Code: "C-004", Name: strp("青白江区"), Count: strp("1")},
	}},
}

var dumpCols = []string{"code", "name", "amount", "reported_at", "day", "n", "batch_id", "arrived_at"}

// wantLines is what dumpTable should give for batches.
func wantLines(batches []fxBatch, suffix string) []string {
	var out []string
	for _, b := range batches {
		for _, r := range b.Rows {
			vals := []string{r.Code}
			for _, v := range []*string{r.Name, r.Amount, r.At, r.Day, r.Count} {
				if v == nil {
					vals = append(vals, "∅")
				} else {
					vals = append(vals, *v)
				}
			}
			vals = append(vals, b.ID+suffix, b.Arrived.Format(time.DateTime))
			out = append(out, strings.Join(vals, " | "))
		}
	}
	sort.Strings(out)
	return out
}

// testEvidence is the suite every evidence adapter of received rows
// passes.
func testEvidence(t *testing.T, newFixture func(t *testing.T) *fixture) {
	ctx := context.Background()
	load := func(t *testing.T, fx *fixture) pipelines.EvidenceReport {
		t.Helper()
		rep, err := fx.ev.Load(ctx, fx.db, fx.res, fxTarget)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return rep
	}
	check := func(t *testing.T, fx *fixture, batches []fxBatch) {
		t.Helper()
		rep := load(t, fx)
		if len(rep.Errors) != 0 {
			t.Errorf("errors: %v", rep.Errors)
		}
		if got, want := rep.Table, pipelines.EvidenceTable(fx.res, fxTarget); got != want {
			t.Errorf("Table = %q, want %q", got, want)
		}
		want := wantLines(batches, fx.suffix)
		if got := rep.Rows; got != int64(len(want)) {
			t.Errorf("Rows = %d, want %d", got, len(want))
		}
		if fx.files {
			if got, want := len(rep.Files), len(batches); got != want {
				t.Errorf("%d files, want %d: %+v", got, want, rep.Files)
			}
			for i, f := range rep.Files {
				if i < len(batches) && (f.Name != batches[i].ID+fx.suffix || f.Rows != int64(len(batches[i].Rows)) || f.Failed || f.Rejected != 0) {
					t.Errorf("file %d = %+v, want %s with %d rows", i, f, batches[i].ID+fx.suffix, len(batches[i].Rows))
				}
			}
		}
		got := dumpTable(t, fx.db, rep.Table, dumpCols)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("table %s:\n%s\nwant:\n%s", rep.Table, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	t.Run("Name", func(t *testing.T) {
		if newFixture(t).ev.Name() == "" {
			t.Error("empty name")
		}
	})

	t.Run("RowsArriveExactly", func(t *testing.T) {
		fx := newFixture(t)
		fx.put(t, fxFirst)
		check(t, fx, fxFirst)
		// Keys that differ only by case stay distinct.
		var n int
		if err := fx.db.QueryRow(fmt.Sprintf("SELECT count(DISTINCT code) FROM %s WHERE lower(code) IN ('a-001', 'b-002')",
			warehouse.QuoteTable(pipelines.EvidenceTable(fx.res, fxTarget)))).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("%d distinct keys among A-001 a-001 B-002 b-002, want 4", n)
		}
	})

	t.Run("Types", func(t *testing.T) {
		fx := newFixture(t)
		fx.put(t, fxFirst)
		rep := load(t, fx)
		have, err := tableColumns(ctx, fx.db, rep.Table)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range fx.res.Columns {
			if !compatible(pipelines.DuckType(c.Type), have[c.Name]) {
				t.Errorf("column %s is %s, want %s", c.Name, have[c.Name], pipelines.DuckType(c.Type))
			}
		}
		if have["batch_id"] != "VARCHAR" || !compatible("TIMESTAMP", have["arrived_at"]) {
			t.Errorf("batch_id %s, arrived_at %s", have["batch_id"], have["arrived_at"])
		}
	})

	t.Run("SecondLoadReplaces", func(t *testing.T) {
		fx := newFixture(t)
		fx.put(t, fxFirst)
		check(t, fx, fxFirst)
		fx.put(t, fxSecond)
		check(t, fx, fxSecond)
		check(t, fx, fxSecond) // a load of the same evidence changes nothing
	})

	t.Run("CancelledKeepsPrevious", func(t *testing.T) {
		fx := newFixture(t)
		fx.put(t, fxFirst)
		check(t, fx, fxFirst)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := fx.ev.Load(cctx, fx.db, fx.res, fxTarget); err == nil {
			t.Error("Load with a cancelled context: no error")
		}
		got := dumpTable(t, fx.db, pipelines.EvidenceTable(fx.res, fxTarget), dumpCols)
		if len(got) != len(wantLines(fxFirst, fx.suffix)) {
			t.Errorf("after a cancelled load the table has %d rows, want the previous %d", len(got), len(wantLines(fxFirst, fx.suffix)))
		}
	})

	t.Run("Malformed", func(t *testing.T) {
		fx := newFixture(t)
		if fx.putMalformed == nil {
			t.Skip("the adapter reads no files")
		}
		fx.put(t, fxFirst)
		m := fx.putMalformed(t)
		rep := load(t, fx)
		type pos struct {
			file   string
			line   int
			column string
		}
		var got, want []pos
		for _, e := range rep.Errors {
			got = append(got, pos{e.File, e.Line, e.Column})
			if e.File == "" || e.Msg == "" {
				t.Errorf("error without a file or message: %+v", e)
			}
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("multi-line error: %q", e.Error())
			}
		}
		for _, e := range m.errs {
			want = append(want, pos{e.File, e.Line, e.Column})
		}
		less := func(s []pos) func(i, j int) bool {
			return func(i, j int) bool { return fmt.Sprint(s[i]) < fmt.Sprint(s[j]) }
		}
		sort.Slice(got, less(got))
		sort.Slice(want, less(want))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("errors at\n%v\nwant\n%v\nerrors: %v", got, want, rep.Errors)
		}
		var failed []string
		for _, f := range rep.Files {
			if f.Failed {
				failed = append(failed, f.Name)
			}
		}
		if fmt.Sprint(failed) != fmt.Sprint(m.failed) {
			t.Errorf("failed files %v, want %v", failed, m.failed)
		}
		if !rep.Failed() != (len(m.failed) == 0) {
			t.Errorf("Failed() = %v", rep.Failed())
		}
		// Good rows of the malformed files and every row of the good
		// files load.
		wantCodes := append([]string(nil), m.good...)
		for _, b := range fxFirst {
			for _, r := range b.Rows {
				wantCodes = append(wantCodes, r.Code)
			}
		}
		sort.Strings(wantCodes)
		gotCodes := dumpTable(t, fx.db, rep.Table, []string{"code"})
		sort.Strings(gotCodes)
		if fmt.Sprint(gotCodes) != fmt.Sprint(wantCodes) {
			t.Errorf("codes %q, want %q", gotCodes, wantCodes)
		}
		if rep.Rows != int64(len(wantCodes)) {
			t.Errorf("Rows = %d, want %d", rep.Rows, len(wantCodes))
		}
		var rejected int64
		for _, f := range rep.Files {
			rejected += f.Rejected
		}
		if rejected == 0 {
			t.Error("no file counts a rejected row")
		}
	})
}

// writeFile writes a receipt file and sets its modification time.
func writeFile(t testing.TB, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// receiptFixture is a ReceiptFiles fixture whose files are written by
// write (one per batch) in the format of ext.
func receiptFixture(ext string, write func(t *testing.T, path string, b fxBatch, i int), bad func(t *testing.T, dir string) malformed) func(t *testing.T) *fixture {
	return func(t *testing.T) *fixture {
		dir := t.TempDir()
		fx := &fixture{ev: &ReceiptFiles{Dir: dir}, db: mustOpenDB(t), res: fxResource(), suffix: ext, files: true}
		tdir := filepath.Join(dir, fxTarget.Key)
		fx.put = func(t *testing.T, batches []fxBatch) {
			os.RemoveAll(tdir)
			for i, b := range batches {
				write(t, filepath.Join(tdir, b.ID+ext), b, i)
			}
			// Files that do not match the pattern are not read.
			writeFile(t, filepath.Join(tdir, "other_20261120"+ext), []byte("garbage"), t1)
			writeFile(t, filepath.Join(tdir, "fx_20261120.txt"), []byte("garbage"), t1)
		}
		fx.putMalformed = func(t *testing.T) malformed { return bad(t, tdir) }
		return fx
	}
}

func TestEvidence_ReceiptCSV(t *testing.T) {
	testEvidence(t, receiptFixture(".csv", writeCSVBatch, malformedCSV))
}
func TestEvidence_ReceiptXLSX(t *testing.T) {
	testEvidence(t, receiptFixture(".xlsx", writeXLSXBatch, malformedXLSX))
}
func TestEvidence_ReceiptJSON(t *testing.T) {
	testEvidence(t, receiptFixture(".json", writeJSONBatch, malformedJSON))
}

// The pattern's extension may be upper case on disk too.
func TestEvidence_ReceiptCSVUpperExt(t *testing.T) {
	testEvidence(t, receiptFixture(".CSV", writeCSVBatch, malformedCSV))
}

func TestEvidence_FrontendTables(t *testing.T) {
	testEvidence(t, func(t *testing.T) *fixture {
		res := fxResource()
		res.Mode, res.Table, res.Cadence = pipelines.ModeRows, "fx", pipelines.DailyAfter2300
		db := mustOpenDB(t)
		// As the snapshot makes it: MySQL widths kept, fe_row_id first.
		mustExec(t, db, "CREATE SCHEMA fe_t", `CREATE TABLE fe_t.fx (fe_row_id BIGINT, code VARCHAR, name VARCHAR,
			amount DECIMAL(12,8), reported_at TIMESTAMP, day DATE, n BIGINT, batch_id VARCHAR, arrived_at TIMESTAMP)`)
		fx := &fixture{ev: &FrontendTables{}, db: db, res: res}
		fx.put = func(t *testing.T, batches []fxBatch) {
			mustExec(t, db, "DELETE FROM fe_t.fx")
			id := 0
			for _, b := range batches {
				for _, r := range b.Rows {
					id++
					if _, err := db.Exec(`INSERT INTO fe_t.fx VALUES (?, ?, ?, CAST(? AS DECIMAL(12,8)), CAST(? AS TIMESTAMP), CAST(? AS DATE), CAST(? AS BIGINT), ?, CAST(? AS TIMESTAMP))`,
						id, r.Code, r.Name, r.Amount, r.At, r.Day, r.Count, b.ID, b.Arrived.Format(time.DateTime)); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		return fx
	})
}
