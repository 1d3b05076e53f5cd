package snapshot

import (
	"strings"
	"testing"
)

// TestSnapshot_IncrementalAndAppend covers the incremental policy (>= the
// watermark, merged by key, rows sharing the last watermark second neither
// lost nor duplicated, deletions found by the key-set comparison) and the
// append policy.
func TestSnapshot_IncrementalAndAppend(t *testing.T) {
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE inc (id INT NOT NULL PRIMARY KEY, v VARCHAR(10), updated_at DATETIME NOT NULL, KEY (updated_at))`,
		`INSERT INTO inc SELECT seq, CONCAT('a', seq), '2026-11-20 10:00:00' + INTERVAL seq MINUTE FROM seq_1_to_1000`,
		`CREATE TABLE gps (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, x DECIMAL(10,6), at DATETIME(3))`,
		`INSERT INTO gps (x, at) SELECT seq / 1000, '2026-11-20 10:00:00.5' + INTERVAL seq SECOND FROM seq_1_to_500`,
		`CREATE TABLE other (id INT PRIMARY KEY)`, `INSERT INTO other VALUES (1)`)
	wh := MustOpenWarehouse(t)
	pol := map[string]TablePolicy{
		"inc": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1},
		"gps": {Policy: PolicyAppend},
	}
	// Every table counted: whether a table without a commit since its
	// last count is counted depends on the clock (its change token is
	// trusted a second after the commit; count_test.go), and this test
	// checks the counts of every run.
	snap := func(p map[string]TablePolicy) map[string]*TableReport {
		t.Helper()
		return snapTables(t, wh, db, p, Options{CountAll: true})
	}
	digest := func() string {
		return strings.Join(flatten(queryStrings(t, wh, `SELECT
			(SELECT count(*) || '/' || sum(id) || '/' || string_agg(v, ',' ORDER BY id) FROM biz.inc WHERE v NOT LIKE 'a%'),
			(SELECT count(*) FROM biz.inc), (SELECT count(*) || '/' || sum(x) FROM biz.gps)`)), "|")
	}

	// Run 1: first snapshot under the policies, in full.
	r := snap(pol)
	if r["inc"].Delta || r["gps"].Delta || r["inc"].Policy != PolicyIncremental {
		t.Fatalf("run 1 read deltas: %+v %+v", r["inc"], r["gps"])
	}
	if got := digest(); got != "NULL,1000,500/125.250000" {
		t.Fatalf("run 1: %s", got)
	}

	// Changes: the row holding the watermark (the largest updated_at)
	// updated again within the same truncated second, one updated later,
	// two inserted, one deleted; GPS rows appended.
	db.Exec(t,
		`UPDATE inc SET v = 'b1000' WHERE id = 1000`,
		`UPDATE inc SET v = 'b5', updated_at = '2026-11-22 00:00:00' WHERE id = 5`,
		`INSERT INTO inc VALUES (2001, 'b2001', '2026-11-22 00:00:01'), (2002, 'b2002', '2026-11-22 00:00:01')`,
		`DELETE FROM inc WHERE id = 7`,
		`INSERT INTO gps (x, at) SELECT seq / 1000, '2026-11-21 10:00:00.5' + INTERVAL seq SECOND FROM seq_1_to_30`)

	// Run 2: deltas, no periodic key check, but the counts disagree (one
	// row deleted at the source): the key set is repaired at once.
	r = snap(pol)
	inc, gps := r["inc"], r["gps"]
	if !inc.Delta || inc.DeltaRows != 4 || inc.KeyCheck || inc.DeletedRows != 1 || inc.Repaired != 1 || inc.RowsLoaded != 1001 ||
		inc.Note != "" || inc.Status != StatusOK {
		t.Errorf("run 2 inc: delta %v rows %d keycheck %v deleted %d repaired %d loaded %d note %q status %s",
			inc.Delta, inc.DeltaRows, inc.KeyCheck, inc.DeletedRows, inc.Repaired, inc.RowsLoaded, inc.Note, inc.Status)
	}
	if !gps.Delta || gps.DeltaRows != 30 || gps.RowsLoaded != 530 {
		t.Errorf("run 2 gps: delta %v rows %d loaded %d", gps.Delta, gps.DeltaRows, gps.RowsLoaded)
	}
	if got, want := digest(), "4/5008/b5,b1000,b2001,b2002,1001,530/125.715000"; got != want {
		t.Errorf("run 2: %s, want %s", got, want)
	}
	if n := queryInt(t, wh, `SELECT count(*) - count(DISTINCT id) FROM biz.inc`); n != 0 {
		t.Errorf("%d duplicate keys after the merge", n)
	}

	// Run 3: the periodic key-set comparison; nothing changed.
	pol["inc"] = TablePolicy{Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: 0}
	r = snap(pol)
	inc = r["inc"]
	if !inc.Delta || !inc.KeyCheck || inc.DeletedRows != 0 || inc.RowsLoaded != 1001 || inc.Note != "" || inc.DeltaRows != 2 {
		t.Errorf("run 3 inc: delta %v keycheck %v deleted %d loaded %d note %q delta rows %d",
			inc.Delta, inc.KeyCheck, inc.DeletedRows, inc.RowsLoaded, inc.Note, inc.DeltaRows)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM biz.inc WHERE id = 7`); n != 0 {
		t.Error("deleted row 7 still in the warehouse")
	}
	rows := queryStrings(t, wh, `SELECT table_name, policy, delta_rows, deleted_rows, rows_loaded, rows_source, status
		FROM audit.snapshots WHERE table_name IN ('inc', 'gps', 'other') ORDER BY run_id, table_name`)
	want := [][]string{
		{"gps", "append", "NULL", "0", "500", "500", "ok"}, {"inc", "incremental", "NULL", "0", "1000", "1000", "ok"}, {"other", "full", "NULL", "0", "1", "1", "ok"},
		{"gps", "append", "30", "0", "530", "530", "ok"}, {"inc", "incremental", "4", "1", "1001", "1001", "ok"}, {"other", "full", "NULL", "0", "1", "1", "ok"},
		{"gps", "append", "0", "0", "530", "530", "ok"}, {"inc", "incremental", "2", "0", "1001", "1001", "ok"}, {"other", "full", "NULL", "0", "1", "1", "ok"},
	}
	if strings.Join(flatten(rows), "|") != strings.Join(flatten(want), "|") {
		t.Errorf("audit.snapshots\n got %q\nwant %q", rows, want)
	}

	// A changed table definition falls back to a full load.
	db.Exec(t, `ALTER TABLE gps ADD COLUMN note VARCHAR(5)`)
	r = snap(pol)
	if r["gps"].Delta || r["gps"].RowsLoaded != 530 {
		t.Errorf("gps after ALTER: delta %v rows %d", r["gps"].Delta, r["gps"].RowsLoaded)
	}
}
