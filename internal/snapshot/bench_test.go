package snapshot

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSnapshot_200k snapshots a 200,000-row table shaped like a case
// table and reports rows/s and the process's peak RSS.
func BenchmarkSnapshot_200k(b *testing.B) {
	db := MustCreateDatabase(b)
	db.Exec(b,
		`CREATE TABLE d (n INT)`,
		`INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`,
		`CREATE TABLE cases (
			id BIGINT UNSIGNED NOT NULL PRIMARY KEY, case_no VARCHAR(32) NOT NULL,
			district VARCHAR(16), category INT, status TINYINT,
			reported_at DATETIME, updated_at DATETIME(6), amount DECIMAL(12,2),
			description VARCHAR(200))`,
		`INSERT INTO cases
		 SELECT n, CONCAT('510104-2026-', LPAD(n, 8, '0')), ELT(1 + n % 4, '锦江区', '青羊区', '金牛区', '武侯区'),
			n % 97, n % 9,
			'2026-11-20 00:00:00' + INTERVAL n SECOND, '2026-11-20 00:00:00.000001' + INTERVAL n SECOND,
			(n % 100000) / 100, CONCAT('道路破损 第', n, '号 路灯不亮')
		 FROM (SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n + 100000*g.n AS n
		       FROM d a, d b, d c, d e, d f, (SELECT 0 AS n UNION ALL SELECT 1) g) s`)
	wh := MustOpenWarehouse(b)
	ctx := context.Background()
	b.ResetTimer()
	var rows int64
	start := time.Now()
	for b.Loop() {
		run := MustBeginRun(b, wh)
		rep, err := Snapshot(ctx, wh, run, []Source{{Name: "biz", DSN: db.DSN, Tables: []string{"cases"}}}, Options{AllowPrimary: true})
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Sources[0].Tables[0].RowsLoaded
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	if hwm := peakRSSMiB(); hwm > 0 {
		b.ReportMetric(hwm, "peak-RSS-MiB")
	}
}

// peakRSSMiB reads VmHWM of /proc/self/status (Linux), or 0.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
