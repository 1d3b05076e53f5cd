package snapshot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestSnapshot_CountEvery: with a count period, a table not read in full
// is counted at the source only when its last agreeing count is old
// enough; in between a deletion at the source stays in the warehouse, the
// run says so (rows_source NULL, a note), and the count that falls due
// finds and repairs it. A table counting every run, CountAll and a table
// read in full are always counted.
func TestSnapshot_CountEvery(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE gps (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, x INT)`,
		`INSERT INTO gps (x) SELECT seq FROM seq_1_to_100`,
		`CREATE TABLE evt (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, x INT)`,
		`INSERT INTO evt (x) SELECT seq FROM seq_1_to_50`,
		`CREATE TABLE inc (id INT NOT NULL PRIMARY KEY, v INT, updated_at DATETIME NOT NULL, KEY (updated_at))`,
		`INSERT INTO inc SELECT seq, seq, '2026-11-20 10:00:00' + INTERVAL seq MINUTE FROM seq_1_to_200`,
		`CREATE TABLE dict (id INT PRIMARY KEY, name VARCHAR(10))`, `INSERT INTO dict VALUES (1, 'a'), (2, 'b')`)

	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, pipelines.Shanghai)
	now := t0
	wh, err := warehouse.OpenWith(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	const every = time.Hour
	pols := map[string]TablePolicy{
		"gps": {Policy: PolicyAppend, CountEvery: every},
		"evt": {Policy: PolicyAppend},
		"inc": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1, CountEvery: every},
	}
	snap := func(at time.Time, o Options) map[string]*TableReport {
		t.Helper()
		now = at
		return snapTables(t, wh, db, pols, o)
	}
	skipped := func(run string, r map[string]*TableReport, want map[string]bool) {
		t.Helper()
		for name, w := range want {
			tr := r[name]
			if tr.CountSkipped != w || tr.Status != StatusOK {
				t.Errorf("%s: %s count skipped %v, want %v (status %s, note %q)", run, name, tr.CountSkipped, w, tr.Status, tr.Note)
			}
			if w && (tr.RowsSource != -1 || !strings.Contains(tr.Note, "not counted at the source")) {
				t.Errorf("%s: %s skipped with rows_source %d, note %q", run, name, tr.RowsSource, tr.Note)
			}
			if !w && tr.RowsSource != tr.RowsLoaded {
				t.Errorf("%s: %s counted %d at the source, %d in the warehouse", run, name, tr.RowsSource, tr.RowsLoaded)
			}
		}
	}

	// Run 1: every table read in full, so counted.
	r := snap(t0, Options{})
	skipped("run 1", r, map[string]bool{"gps": false, "evt": false, "inc": false, "dict": false})
	// The dictionary's change token is trusted a second after its change.
	time.Sleep(1100 * time.Millisecond)
	// Skipped by the period, or because no commit came since the count
	// (when run 1's token was already a second old: a slow machine).
	r = snap(t0.Add(time.Minute), Options{})
	skipped("run 2", r, map[string]bool{"gps": true, "inc": true})

	// Deleted at the source, not seen until the count falls due.
	db.Exec(t, `DELETE FROM gps WHERE id = 5`, `DELETE FROM inc WHERE id = 7`, `DELETE FROM evt WHERE id = 9`)
	r = snap(t0.Add(2*time.Minute), Options{})
	skipped("run 3", r, map[string]bool{"gps": true, "evt": false, "inc": true, "dict": true})
	if d := r["dict"]; !d.Unchanged || !strings.HasPrefix(d.Note, "unchanged since the published copy") {
		t.Errorf("run 3: dict unchanged %v, note %q", d.Unchanged, d.Note)
	}
	if want := "last count agreed at 2026-12-01 10:00:00 (count_every 1h0m0s)"; !strings.Contains(r["gps"].Note, want) {
		t.Errorf("run 3: gps note %q, want it to say %q", r["gps"].Note, want)
	}
	if e := r["evt"]; e.DeletedRows != 1 || e.RowsLoaded != 49 {
		t.Errorf("run 3: evt (counted every run) deleted %d, rows %d", e.DeletedRows, e.RowsLoaded)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.gps WHERE id = 5`); n != 1 {
		t.Errorf("run 3: gps row 5 (deleted at the source, count not due) in the warehouse %d times, want 1", n)
	}
	if got := queryStrings(t, wh, `SELECT rows_source, rows_loaded FROM audit.snapshots
		WHERE table_name = 'gps' ORDER BY run_id DESC LIMIT 1`); got[0][0] != "NULL" || got[0][1] != "100" {
		t.Errorf("run 3: audit.snapshots gps rows_source, rows_loaded %v, want NULL, 100", got[0])
	}

	// gps falls due exactly every less its own offset after its last count.
	due := t0.Add(every - countOffset("biz", "gps", every))
	r = snap(due.Add(-time.Second), Options{})
	skipped("just before gps's count is due", r, map[string]bool{"gps": true})
	r = snap(due, Options{})
	if g := r["gps"]; g.CountSkipped || g.DeletedRows != 1 || g.Repaired != 1 || g.RowsLoaded != 99 || g.Status != StatusOK {
		t.Errorf("gps's count due: skipped %v deleted %d repaired %d rows %d status %s",
			g.CountSkipped, g.DeletedRows, g.Repaired, g.RowsLoaded, g.Status)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.gps WHERE id = 5`); n != 0 {
		t.Error("gps row 5 still in the warehouse after its count fell due")
	}
	// A repaired table is counted again next run (its repair is not a count
	// that agreed), then kept for another period.
	r = snap(due.Add(time.Minute), Options{})
	skipped("after the repair", r, map[string]bool{"gps": false})
	r = snap(due.Add(2*time.Minute), Options{})
	skipped("a period again", r, map[string]bool{"gps": true})

	// CountAll counts every table, whatever its period.
	r = snap(due.Add(3*time.Minute), Options{CountAll: true})
	skipped("CountAll", r, map[string]bool{"gps": false, "evt": false, "inc": false, "dict": false})
	if i := r["inc"]; i.DeletedRows != 1 || i.RowsLoaded != 199 {
		t.Errorf("CountAll: inc deleted %d rows %d", i.DeletedRows, i.RowsLoaded)
	}
	var src, whRows int64
	if err := db.Admin.QueryRow(`SELECT COUNT(*) FROM inc`).Scan(&src); err != nil {
		t.Fatal(err)
	}
	if whRows = queryInt(t, wh, `SELECT count(*) FROM biz.inc`); whRows != src {
		t.Errorf("inc: %d rows in the warehouse, %d at the source", whRows, src)
	}
}

// TestSnapshot_CountSkippedWithoutCommit: with no count period, a table
// is still not counted when no commit touched it since the count that
// agreed (its change token is the one that count stood for); any commit
// (here a deletion, which no largest key shows) makes it counted, and the
// deletion is found at once. An unchanged dictionary is not counted
// either.
func TestSnapshot_CountSkippedWithoutCommit(t *testing.T) {
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE gps (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, x INT)`,
		`INSERT INTO gps (x) SELECT seq FROM seq_1_to_100`,
		`CREATE TABLE dict (id INT PRIMARY KEY, name VARCHAR(10))`, `INSERT INTO dict VALUES (1, 'a'), (2, 'b')`)
	wh := MustOpenWarehouse(t)
	snap := func(o Options) map[string]*TableReport {
		t.Helper()
		return snapTables(t, wh, db, map[string]TablePolicy{"gps": {Policy: PolicyAppend}}, o)
	}
	snap(Options{})
	// A token is trusted a second after its commit: run 2's count (forced:
	// run 1's token may already have been a second old on a slow machine)
	// stands for it.
	time.Sleep(1100 * time.Millisecond)
	r := snap(Options{CountAll: true})
	if g := r["gps"]; g.CountSkipped || g.RowsSource != 100 {
		t.Fatalf("run 2: gps count skipped %v, rows_source %d", g.CountSkipped, g.RowsSource)
	}
	r = snap(Options{})
	if g := r["gps"]; !g.CountSkipped || g.RowsSource != -1 || g.Status != StatusOK ||
		g.Note != "not counted at the source: no commit since the last count that agreed" {
		t.Errorf("run 3 (no commit): gps count skipped %v, rows_source %d, status %s, note %q", g.CountSkipped, g.RowsSource, g.Status, g.Note)
	}
	if d := r["dict"]; !d.Unchanged || !d.CountSkipped || d.RowsSource != -1 || !strings.HasSuffix(d.Note, "; not counted at the source: no commit since the published copy, whose count agreed") {
		t.Errorf("run 3: dict unchanged %v, count skipped %v, rows_source %d, note %q", d.Unchanged, d.CountSkipped, d.RowsSource, d.Note)
	}
	if got := queryStrings(t, wh, `SELECT count_token IS NOT NULL, counted_at IS NOT NULL FROM audit.snapshot_watermarks WHERE table_name = 'gps'`); got[0][0] != "true" || got[0][1] != "true" {
		t.Errorf("gps's state: count_token set %s, counted_at set %s", got[0][0], got[0][1])
	}
	// A deletion below the largest key: the token moves, the count is read.
	db.Exec(t, `DELETE FROM gps WHERE id = 5`)
	r = snap(Options{})
	if g := r["gps"]; g.CountSkipped || g.DeletedRows != 1 || g.RowsLoaded != 99 || g.Status != StatusOK {
		t.Errorf("after a deletion: gps count skipped %v, deleted %d, rows %d, status %s", g.CountSkipped, g.DeletedRows, g.RowsLoaded, g.Status)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.gps WHERE id = 5`); n != 0 {
		t.Error("gps row 5, deleted at the source, still in the warehouse")
	}
	// CopyUnchanged trusts no token: counted.
	if g := snap(Options{CopyUnchanged: true})["gps"]; g.CountSkipped {
		t.Error("CopyUnchanged: gps not counted")
	}
}

// TestCountOffset: a table's offset is below half the period, fixed by its
// name, and the offsets of a site's tables spread over that half.
func TestCountOffset(t *testing.T) {
	const every = time.Hour
	if countOffset("biz", "gps", 0) != 0 || countOffset("biz", "gps", time.Nanosecond) != 0 {
		t.Error("an offset without a period")
	}
	if countOffset("biz", "gps", every) != countOffset("biz", "gps", every) {
		t.Error("the offset of one table changes")
	}
	var quarter [2]int
	for i := range 83 {
		off := countOffset("fe_city_gov", fmt.Sprintf("table_%d", i), every)
		if off < 0 || off >= every/2 {
			t.Fatalf("offset %v outside [0, %v)", off, every/2)
		}
		quarter[off*4/every]++
	}
	if quarter[0] < 20 || quarter[1] < 20 {
		t.Errorf("83 tables' offsets by quarter of the period: %v, not spread", quarter)
	}
}
