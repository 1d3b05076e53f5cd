package snapshot

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSnapshot_SchemaDriftAndParquet: the structure is captured with each
// snapshot, a change is reported as drift, and --parquet writes a folder
// per source/table that DuckDB reads back.
func TestSnapshot_SchemaDriftAndParquet(t *testing.T) {
	ctx := context.Background()
	db := MustCreateDatabase(t)
	db.Exec(t, `CREATE TABLE c (id INT PRIMARY KEY, v VARCHAR(10), amount DECIMAL(10,2), at DATETIME)`,
		`INSERT INTO c VALUES (1, '城管', 1.25, '2026-11-20 23:59:59'), (2, NULL, NULL, NULL)`)
	wh := MustOpenWarehouse(t)
	dir := t.TempDir()
	src := []Source{{Name: "biz", DSN: db.DSN}}
	rep, err := Snapshot(ctx, wh, MustBeginRun(t, wh), src, Options{AllowPrimary: true, ParquetDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if d := rep.Sources[0].Tables[0].SchemaDrift; d != "" {
		t.Errorf("first snapshot reports drift %q", d)
	}
	pq := filepath.Join(dir, "biz", "c", "data.parquet")
	got := queryStrings(t, wh, `SELECT count(*), sum(amount)::VARCHAR, max("at")::VARCHAR, max(v) FROM read_parquet(?)`, pq)
	if strings.Join(got[0], "|") != "2|1.25|2026-11-20 23:59:59|城管" {
		t.Errorf("parquet = %q", got)
	}

	db.Exec(t, `ALTER TABLE c ADD COLUMN note VARCHAR(5), MODIFY v VARCHAR(20)`)
	rep, err = Snapshot(ctx, wh, MustBeginRun(t, wh), src, Options{AllowPrimary: true})
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Sources[0].Tables[0].SchemaDrift
	if !strings.Contains(d, "added note varchar(5)") || !strings.Contains(d, "changed v varchar(10) → v varchar(20)") {
		t.Errorf("drift = %q", d)
	}
	if got := queryStrings(t, wh, `SELECT schema_drift IS NOT NULL FROM audit.snapshots WHERE table_name = 'c' ORDER BY run_id`); len(got) != 2 || got[0][0] != "false" || got[1][0] != "true" {
		t.Errorf("audit.snapshots.schema_drift = %q", got)
	}
	if n := queryInt(t, wh, `SELECT count(*) FROM audit.snapshot_columns WHERE table_name = 'c'`); n != 9 {
		t.Errorf("%d captured columns, want 4 + 5", n)
	}

	// Two sources compared: the drift names table and column.
	other := MustCreateDatabase(t)
	other.Exec(t, `CREATE TABLE c (id INT PRIMARY KEY, v VARCHAR(10), amount DECIMAL(10,2), at DATETIME)`, `CREATE TABLE extra (id INT)`)
	a, err := SourceSchema(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SourceSchema(ctx, other.DSN)
	if err != nil {
		t.Fatal(err)
	}
	diff := strings.Join(DiffSchemas(a, b), "\n")
	for _, want := range []string{"c: changed v varchar(20) → v varchar(10)", "c: dropped note varchar(5)", "extra: only in the second source"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if d := DiffSchemas(a, a); len(d) != 0 {
		t.Errorf("a source differs from itself: %q", d)
	}
}
