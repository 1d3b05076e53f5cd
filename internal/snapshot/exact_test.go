package snapshot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestSnapshot_VerifyMakesExact is issue 15's test: after any sequence of
// inserts, updates (with any update time, older than the watermark too,
// or none), deletes and killed snapshots under incremental, append and
// full policies, one snapshot with verification leaves every table equal
// to its source, row for row. The source is read independently of the
// checksums: a clean full copy into a second warehouse, by the plain
// loader, compared with EXCEPT ALL on every column.
func TestSnapshot_VerifyMakesExact(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { testVerifyMakesExact(t, seed) })
	}
}

var exactTables = []string{"inc", "app", "dict", "loose"}

func testVerifyMakesExact(t *testing.T, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 15))
	db := MustCreateDatabase(t)
	db.Exec(t,
		`CREATE TABLE inc (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), amount DECIMAL(10,2), f DOUBLE, at DATETIME(3) NULL,
			day DATE NULL, dur TIME NULL, raw VARBINARY(8), u BIGINT UNSIGNED, updated_at DATETIME NOT NULL, KEY (updated_at))`,
		`INSERT INTO inc SELECT seq, CONCAT('v', seq), seq / 7, seq / 3, '2026-11-20 08:00:00.125' + INTERVAL seq SECOND,
			IF(seq % 5 = 0, NULL, '2026-11-01' + INTERVAL seq % 30 DAY), IF(seq % 4 = 0, NULL, SEC_TO_TIME(seq)), UNHEX(HEX(seq)),
			seq * 1000000007, '2026-11-20 10:00:00' + INTERVAL seq SECOND FROM seq_1_to_3000`,
		`CREATE TABLE app (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, case_id INT, note VARCHAR(20), at DATETIME)`,
		`INSERT INTO app (case_id, note, at) SELECT seq % 97, CONCAT('n', seq), '2026-11-20 10:00:00' + INTERVAL seq MINUTE FROM seq_1_to_3000`,
		`CREATE TABLE dict (region VARCHAR(8) NOT NULL, code INT NOT NULL, name VARCHAR(20), PRIMARY KEY (region, code))`,
		`INSERT INTO dict SELECT CONCAT('r', seq % 5), seq, CONCAT('名', seq) FROM seq_1_to_100`,
		`CREATE TABLE loose (a INT, b VARCHAR(10))`,
		`INSERT INTO loose SELECT seq, CONCAT('b', seq) FROM seq_1_to_50`)
	pol := map[string]TablePolicy{
		"inc": {Policy: PolicyIncremental, Watermark: "updated_at", KeyCheckEvery: -1},
		"app": {Policy: PolicyAppend},
	}
	wh := MustOpenWarehouse(t)
	src := []Source{{Name: "biz", DSN: db.DSN, Policies: pol}}
	snap := func(ctx context.Context, o Options) (*Report, error) {
		o.AllowPrimary, o.ChunkRows, o.ChunkTime = true, 700, -1
		return Snapshot(ctx, wh, MustBeginRun(t, wh), src, o)
	}
	if _, err := snap(ctx, Options{}); err != nil {
		t.Fatal(err)
	}

	nextInc, killed := 10000, 0
	for round := range 6 {
		mutate(t, db, rng, &nextInc)
		if round%2 == 1 {
			// Killed after the first committed chunk of some table.
			kctx, cancel := context.WithCancel(ctx)
			o := Options{}
			o.hooks.afterChunk = func(_, _ string, _, _ int64) { cancel() }
			_, err := snap(kctx, o)
			cancel()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("round %d: killed snapshot: %v", round, err)
			}
			if err != nil {
				killed++
			}
			continue
		}
		if _, err := snap(ctx, Options{}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if killed == 0 {
		t.Error("no snapshot was killed")
	}
	mutate(t, db, rng, &nextInc)

	// A snapshot without verification: rows updated with an old update
	// time, or in the append table, are not seen (the test has teeth).
	if _, err := snap(ctx, Options{}); err != nil {
		t.Fatal(err)
	}
	if d := diffWithFreshCopy(t, wh, db); d == 0 {
		t.Fatal("the warehouse equals the source before verification: the changes did not exercise it")
	}

	// One verification makes every table exact.
	rep, err := snap(ctx, Options{VerifyAll: true, VerifyChunkRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	var repaired int64
	for _, tr := range rep.Sources[0].Tables {
		if !tr.Verified || tr.Status != StatusOK || tr.VerifyChunks == 0 {
			t.Errorf("%s: verified %v status %s chunks %d", tr.Name, tr.Verified, tr.Status, tr.VerifyChunks)
		}
		repaired += tr.Repaired
	}
	if repaired == 0 {
		t.Error("verification repaired no rows")
	}
	if d := diffWithFreshCopy(t, wh, db); d != 0 {
		t.Errorf("%d rows differ from the source after verification", d)
	}
	rows := queryStrings(t, wh, `SELECT table_name, status, verified, verify_diff_chunks > 0, repaired_rows > 0
		FROM audit.snapshots WHERE run_id = ? ORDER BY table_name`, rep.RunID)
	t.Logf("verify run: %v", rows)
	for _, r := range rows {
		if r[1] != "ok" || r[2] != "true" {
			t.Errorf("audit.snapshots %v", r)
		}
	}

	// Verifying again finds nothing to repair.
	rep, err = snap(ctx, Options{VerifyAll: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Sources[0].Tables {
		if tr.VerifyDiffChunks != 0 || tr.Repaired != 0 {
			t.Errorf("second verification of %s: %d chunks differ, %d rows repaired", tr.Name, tr.VerifyDiffChunks, tr.Repaired)
		}
	}
}

// mutate applies a random mix of changes to the source tables.
func mutate(t *testing.T, db *testDatabase, rng *rand.Rand, nextInc *int) {
	t.Helper()
	var stmts []string
	add := func(format string, args ...any) { stmts = append(stmts, fmt.Sprintf(format, args...)) }
	pick := func() int { return 1 + rng.IntN(3000) }
	for range 5 + rng.IntN(20) {
		switch rng.IntN(8) {
		case 0: // new rows, new update time
			*nextInc++
			add(`INSERT INTO inc (id, v, amount, updated_at) VALUES (%d, 'new', 1.5, NOW())`, *nextInc)
		case 1: // new row with an old update time: invisible to the watermark
			*nextInc++
			add(`INSERT INTO inc (id, v, f, updated_at) VALUES (%d, 'old-new', 0.25, '2026-01-01 00:00:00')`, *nextInc)
		case 2: // updated with a new update time
			add(`UPDATE inc SET v = 'upd-%d', amount = amount + 1, updated_at = NOW() WHERE id = %d`, rng.IntN(1000), pick())
		case 3: // updated with an older update time (a slow clock), or none
			add(`UPDATE inc SET v = 'slow-%d', at = NULL, dur = '-01:00:00', raw = 0x00FF, updated_at = updated_at - INTERVAL 1 DAY WHERE id = %d`, rng.IntN(1000), pick())
			add(`UPDATE inc SET day = '2026-02-03', u = u + 1 WHERE id = %d`, pick())
		case 4:
			add(`DELETE FROM inc WHERE id = %d`, pick())
		case 5: // the append table: appended, updated, deleted, a gap refilled
			add(`INSERT INTO app (case_id, note, at) VALUES (%d, 'more', NOW())`, rng.IntN(100))
			add(`UPDATE app SET note = 'changed' WHERE id = %d`, pick())
			id := pick()
			add(`DELETE FROM app WHERE id = %d`, id)
			if rng.IntN(2) == 0 {
				add(`INSERT INTO app (id, case_id, note, at) VALUES (%d, 1, 'refill', NOW())`, id)
			}
		case 6:
			add(`UPDATE dict SET name = 'x%d' WHERE code = %d`, rng.IntN(100), 1+rng.IntN(100))
			add(`DELETE FROM dict WHERE code = %d`, 1+rng.IntN(100))
			add(`INSERT IGNORE INTO dict VALUES ('r9', %d, 'new')`, rng.IntN(1000))
		case 7:
			add(`INSERT INTO loose VALUES (%d, 'x')`, rng.IntN(100))
			add(`DELETE FROM loose WHERE a = %d LIMIT 1`, rng.IntN(50))
		}
	}
	db.Exec(t, stmts...)
}

// diffWithFreshCopy copies the source in full into a second warehouse
// and returns the rows that differ between it and wh, over every table.
func diffWithFreshCopy(t *testing.T, wh *warehouse.Warehouse, db *testDatabase) int64 {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fresh.duckdb")
	fresh, err := warehouse.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Snapshot(ctx, fresh, MustBeginRun(t, fresh), []Source{{Name: "biz", DSN: db.DSN}},
		Options{AllowPrimary: true, CopyUnchanged: true}); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.DB().Exec(`ATTACH '` + strings.ReplaceAll(path, "'", "''") + `' AS fresh (READ_ONLY)`); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := wh.DB().Exec(`DETACH fresh`); err != nil {
			t.Fatal(err)
		}
	}()
	var total int64
	for _, tbl := range exactTables {
		n := queryInt(t, wh, fmt.Sprintf(`SELECT
			(SELECT count(*) FROM (SELECT * FROM biz.%[1]s EXCEPT ALL SELECT * FROM fresh.biz.%[1]s)) +
			(SELECT count(*) FROM (SELECT * FROM fresh.biz.%[1]s EXCEPT ALL SELECT * FROM biz.%[1]s))`, tbl))
		if n > 0 {
			t.Logf("%s: %d rows differ", tbl, n)
		}
		total += n
	}
	return total
}
