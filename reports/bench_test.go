package reports_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

// benchWarehouse fills a warehouse with a full day of a large deployment:
// 7 targets × 8 every_10m resources × 144 windows, one window in 20 short
// by 1,500 keys (so the key sheet is capped at 1,000 per result).
func benchWarehouse(b *testing.B) (*sql.DB, *pipelines.Catalog) {
	b.Helper()
	db, err := sql.Open("duckdb", filepath.Join(b.TempDir(), "warehouse.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, schemas.Warehouse()); err != nil {
		b.Fatal(err)
	}
	cat := &pipelines.Catalog{}
	for t := 0; t < 7; t++ {
		tk := fmt.Sprintf("target_%d", t)
		cat.Targets = append(cat.Targets, pipelines.Target{Key: tk, NameZH: fmt.Sprintf("目标系统%d", t), Database: "fe_" + tk})
		for r := 0; r < 8; r++ {
			cat.Resources = append(cat.Resources, pipelines.Resource{
				Target: tk, Key: fmt.Sprintf("resource_%d", r), NameZH: fmt.Sprintf("数据资源%d", r), Cadence: pipelines.Every10m,
			})
		}
	}
	const run = "bench-reconcile"
	_, err = db.ExecContext(ctx, `
INSERT INTO audit.runs VALUES ('`+run+`', 'reconcile', TIMESTAMP '2026-11-22 00:10:00', TIMESTAMP '2026-11-22 00:20:00', 'findings', NULL, NULL, NULL, NULL);
INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, fault_level, detail)
SELECT '`+run+`', 'target_' || t, 'resource_' || r,
       TIMESTAMP '2026-11-21 00:00:00' + INTERVAL 10 MINUTE * w,
       TIMESTAMP '2026-11-21 00:10:00' + INTERVAL 10 MINUTE * w,
       TIMESTAMP '2026-11-21 00:20:00' + INTERVAL 10 MINUTE * w,
       CASE WHEN (t * 8 + r + w) % 20 = 0 THEN 'short' ELSE 'ok' END,
       3000, 3000, CASE WHEN (t * 8 + r + w) % 20 = 0 THEN 1500 ELSE 3000 END,
       CASE WHEN (t * 8 + r + w) % 20 = 0 THEN 3 END, NULL
FROM range(7) a(t), range(8) b(r), range(144) c(w);
INSERT INTO audit.result_keys
SELECT run_id, target, resource, window_start, 'missing', '5101' || lpad(k::VARCHAR, 14, '0'), 1
FROM audit.results, range(1500) d(k) WHERE status = 'short';`)
	if err != nil {
		b.Fatal(err)
	}
	return db, cat
}

func BenchmarkWriteDaily(b *testing.B) {
	db, cat := benchWarehouse(b)
	out := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := reports.WriteDaily(context.Background(), db, cat, reports.DailyOptions{
			Day: testDay, OutDir: out, Now: func() time.Time { return testNow },
		}); err != nil {
			b.Fatal(err)
		}
	}
}
