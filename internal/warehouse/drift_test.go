package warehouse_test

import (
	"context"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// The snapshots record drift per table, changes joined by "; ": the view
// audit.schema_drift has one row per change.
func TestSchemaDrift(t *testing.T) {
	wh := MustOpen(t, warehouse.Options{})
	db := wh.DB()
	ctx := context.Background()
	if _, captured, err := warehouse.SchemaDrift(ctx, db, shTime(1, 0, 0), shTime(30, 0, 0)); err != nil || captured {
		t.Errorf("empty warehouse: captured %v, %v; want not captured", captured, err)
	}
	mustExec(t, db, `INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, started_at, status, snapshot_at, schema_drift) VALUES
 ('r1', 'biz', 'cases', 'full', 1, '2026-11-10 00:00:00', 'ok', '2026-11-10 00:00:05', NULL),
 ('r2', 'biz', 'cases', 'full', 1, '2026-11-20 00:00:00', 'ok', '2026-11-20 00:00:05', 'added x int(11); dropped y varchar(8)'),
 ('r2', 'stats', 'case_eval', 'full', 1, '2026-11-20 00:00:00', 'ok', NULL, 'changed z int(11) → bigint(20)'),
 ('r3', 'biz', 'cases', 'full', 1, '2026-12-01 00:00:00', 'ok', NULL, 'added w int(11)');
INSERT INTO audit.snapshot_columns (run_id, source, table_name, ordinal, column_name, column_type, is_nullable, primary_key) VALUES ('r1', 'biz', 'cases', 1, 'id', 'bigint(20)', false, true)`)
	got, captured, err := warehouse.SchemaDrift(ctx, db, shTime(1, 0, 0), shTime(30, 0, 0))
	if err != nil || !captured {
		t.Fatalf("SchemaDrift: captured %v, %v", captured, err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.DetectedAt.Format("01-02 15:04:05")+" "+c.Source+"."+c.Table+" "+c.Change)
	}
	want := []string{
		"11-20 00:00:00 stats.case_eval changed z int(11) → bigint(20)",
		"11-20 00:00:05 biz.cases added x int(11)",
		"11-20 00:00:05 biz.cases dropped y varchar(8)",
	}
	if len(lines) != len(want) {
		t.Fatalf("drift = %q, want %q", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("drift[%d] = %q, want %q", i, lines[i], want[i])
		}
	}
}
