package snapshot

import (
	"context"
	"fmt"
	"testing"
)

// TestSnapshot_ParallelSources snapshots four sources at once (full,
// append and incremental tables, each with a published state to update
// in the same warehouse at the same time), changes every source (inserts,
// updates, deletes), snapshots them at once again, and checks the reports
// keep the sources' order and every table equals its source row for row:
// the sum and count of every column are computed by MySQL and compared
// with DuckDB's.
func TestSnapshot_ParallelSources(t *testing.T) {
	ctx := context.Background()
	wh := MustOpenWarehouse(t)
	var (
		srcs []Source
		dbs  []*testDatabase
	)
	for i := range 4 {
		db := MustCreateDatabase(t)
		db.Exec(t,
			`CREATE TABLE inc (id INT NOT NULL PRIMARY KEY, v INT, updated_at DATETIME NOT NULL, KEY (updated_at))`,
			fmt.Sprintf(`INSERT INTO inc SELECT seq, seq * %d, '2026-11-20 10:00:00' + INTERVAL seq SECOND FROM seq_1_to_2000`, i+1),
			`CREATE TABLE app (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT)`,
			`INSERT INTO app (v) SELECT seq FROM seq_1_to_1500`,
			`CREATE TABLE dict (code INT NOT NULL PRIMARY KEY, name VARCHAR(20))`,
			`INSERT INTO dict SELECT seq, CONCAT('n', seq) FROM seq_1_to_40`)
		dbs = append(dbs, db)
		srcs = append(srcs, Source{Name: fmt.Sprintf("s%d", i), DSN: db.DSN, Policies: map[string]TablePolicy{
			"inc": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1},
			"app": {Policy: PolicyAppend},
		}})
	}
	snap := func() {
		t.Helper()
		rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), srcs, Options{AllowPrimary: true, Parallel: 3, ChunkRows: 500, ChunkTime: -1})
		if err != nil {
			t.Fatal(err)
		}
		for i, sr := range rep.Sources {
			if sr.Name != srcs[i].Name || !sr.Published {
				t.Fatalf("report %d: source %s published %v, want %s published", i, sr.Name, sr.Published, srcs[i].Name)
			}
		}
	}
	snap()
	for i, db := range dbs {
		db.Exec(t,
			fmt.Sprintf(`INSERT INTO inc SELECT 5000 + seq, seq, '2026-11-21 10:00:00' + INTERVAL seq SECOND FROM seq_1_to_%d`, 10*(i+1)),
			`UPDATE inc SET v = v + 1, updated_at = '2026-11-22 00:00:00' WHERE id % 97 = 0`,
			fmt.Sprintf(`INSERT INTO app (v) SELECT seq FROM seq_1_to_%d`, 7*(i+1)),
			`DELETE FROM app WHERE id % 211 = 0`,
			`UPDATE dict SET name = CONCAT(name, 'x') WHERE code % 3 = 0`)
	}
	snap()
	snap() // nothing changed
	for i, db := range dbs {
		for _, tbl := range []string{"inc", "app", "dict"} {
			var want string
			sumCol := "v"
			if tbl == "dict" {
				sumCol = "LENGTH(name)"
			}
			if err := db.Admin.QueryRow(fmt.Sprintf(`SELECT CONCAT(COUNT(*), '/', SUM(%s), '/', SUM(%s))`, map[string]string{"inc": "id", "app": "id", "dict": "code"}[tbl], sumCol) + " FROM " + tbl).Scan(&want); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := wh.DB().QueryRow(fmt.Sprintf(`SELECT concat(count(*), '/', sum(%s), '/', sum(%s)) FROM s%d.%s`,
				map[string]string{"inc": "id", "app": "id", "dict": "code"}[tbl], map[string]string{"inc": "v", "app": "v", "dict": "length(name)"}[tbl], i, tbl)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("s%d.%s: warehouse count/key sum/value sum %s, source %s", i, tbl, got, want)
			}
		}
	}
}
