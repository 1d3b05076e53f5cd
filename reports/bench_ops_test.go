package reports_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/reports"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

// The operations report of a year at scale, in a child process so its
// peak RSS is its own: the 55 resources of the embedded catalog, every
// one judged every 10 minutes for 365 days (2.9 M results, one
// reconcile run a day, one window in 50 at fault) and a thousand
// findings (this branch has no incidents table: the findings ledger
// stands for them). `make bench` runs it (PUSHAUDIT_BENCH=1); targets:
// under 5 s and 300 MB. The baseline is the daily workbook of one day
// of the same warehouse, written in a child process of its own.
func TestBench_OpsYear(t *testing.T) {
	if mode := os.Getenv("PUSHAUDIT_BENCH_OPS_CHILD"); mode != "" {
		benchOpsChild(t, mode, os.Getenv("PUSHAUDIT_BENCH_WH"), os.Getenv("PUSHAUDIT_BENCH_OUT"))
		return
	}
	if os.Getenv("PUSHAUDIT_BENCH") == "" {
		t.Skip("set PUSHAUDIT_BENCH=1 (make bench) to write the operations report of a year")
	}
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse.duckdb")
	// PUSHAUDIT_BENCH_YEAR_WH=FILE keeps the year's warehouse there (and
	// reuses it), for profiling.
	if keep := os.Getenv("PUSHAUDIT_BENCH_YEAR_WH"); keep != "" {
		wh = keep
	}
	if _, err := os.Stat(wh); err != nil {
		// In a child: a child's peak RSS starts from its parent's at the
		// fork, so the parent must not grow by filling the warehouse.
		cmd := exec.Command(os.Args[0], "-test.run=^TestBench_OpsYear$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PUSHAUDIT_BENCH_OPS_CHILD=fill", "PUSHAUDIT_BENCH_WH="+wh)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fill: %v\n%s", err, b)
		}
	}
	type fig struct{ secs, rssMB, cpu float64 }
	run := func(mode string) fig {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBench_OpsYear$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PUSHAUDIT_BENCH_OPS_CHILD="+mode, "PUSHAUDIT_BENCH_WH="+wh, "PUSHAUDIT_BENCH_OUT="+filepath.Join(dir, mode))
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, b)
		}
		var f fig
		for _, l := range strings.Split(string(b), "\n") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(l), "bench-seconds "); ok {
				f.secs, _ = strconv.ParseFloat(s, 64)
			}
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			f.rssMB = float64(ru.Maxrss) / 1024
			// CPU (user + sys) of the whole child, less sensitive to the
			// machine's load than the wall time.
			f.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
		return f
	}
	base := run("day")
	got := run("year")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Printf("ops-year: operations report of 2026 (365 days, 55 resources, 2.9 M results, 1,000 findings) %.2f s, CPU %.2f s, peak RSS %.0f MB; baseline (the daily workbook of one day of it) %.2f s, CPU %.2f s, %.0f MB; ratio time %.2f, CPU %.2f, RSS %.2f; target < 5 s: %s, < 300 MB: %s\n",
		got.secs, got.cpu, got.rssMB, base.secs, base.cpu, base.rssMB, got.secs/base.secs, got.cpu/base.cpu, got.rssMB/base.rssMB, verdict(got.secs < 5), verdict(got.rssMB < 300))
}

// fillYearWarehouse writes the schema and a year of results of the
// embedded catalog's resources.
func fillYearWarehouse(tb testing.TB, db *sql.DB) {
	tb.Helper()
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(schemas.Warehouse()); err != nil {
		tb.Fatal(err)
	}
	var pairs []string
	for _, r := range cat.Resources {
		pairs = append(pairs, fmt.Sprintf("('%s', '%s')", r.Target, r.Key))
	}
	if len(pairs) != 55 {
		tb.Fatalf("%d resources, want 55", len(pairs))
	}
	_, err = db.Exec(`
CREATE TEMP TABLE res (target VARCHAR, resource VARCHAR);
INSERT INTO res VALUES ` + strings.Join(pairs, ", ") + `;
INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version)
SELECT 'run-' || d, 'reconcile', TIMESTAMP '2026-01-01 00:10:00' + INTERVAL 1 DAY * (d + 1),
       TIMESTAMP '2026-01-01 00:12:00' + INTERVAL 1 DAY * (d + 1), 'findings', NULL, NULL, NULL, NULL
FROM range(365) t(d);
INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, fault_level, detail)
SELECT 'run-' || (w // 144), target, resource,
       TIMESTAMP '2026-01-01 00:00:00' + INTERVAL 10 MINUTE * w,
       TIMESTAMP '2026-01-01 00:10:00' + INTERVAL 10 MINUTE * w,
       TIMESTAMP '2026-01-01 00:20:00' + INTERVAL 10 MINUTE * w,
       CASE WHEN (hash(target, resource) + w) % 50 = 0 THEN 'missed' WHEN (hash(target, resource) + w) % 50 = 1 THEN 'short' ELSE 'ok' END,
       20, 20, CASE WHEN (hash(target, resource) + w) % 50 = 0 THEN 0 WHEN (hash(target, resource) + w) % 50 = 1 THEN 15 ELSE 20 END,
       CASE WHEN (hash(target, resource) + w) % 50 IN (0, 1) THEN 3 END, NULL
FROM res, range(365 * 144) c(w);
INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level, first_seen, last_seen,
  first_run_id, last_run_id, resolved_at, resolved_run_id, respond_by, resolve_by, expected, received, detail)
SELECT 'f' || i, target, resource, window_start, window_end, status, fault_level, window_end + INTERVAL 1 HOUR, window_end + INTERVAL 1 HOUR,
       run_id, run_id, CASE WHEN i % 3 = 0 THEN NULL ELSE window_end + INTERVAL 3 HOUR END, run_id,
       window_end + INTERVAL 90 MINUTE, window_end + INTERVAL 5 HOUR, expected, received, NULL
FROM (SELECT *, row_number() OVER (ORDER BY window_start, target, resource) AS i FROM audit.results WHERE status <> 'ok')
WHERE i % (SELECT count(*) // 1000 FROM audit.results WHERE status <> 'ok') = 0 LIMIT 1000;`)
	if err != nil {
		tb.Fatal(err)
	}
}

func benchOpsChild(t *testing.T, mode, wh, out string) {
	db, err := sql.Open("duckdb", wh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2027, 1, 10, 8, 0, 0, 0, pipelines.Shanghai)
	t0 := time.Now()
	switch mode {
	case "year":
		p, _ := reports.ParsePeriod("2026")
		_, err = reports.WriteOps(ctx, db, cat, reports.OpsOptions{Period: p, OutDir: out, Now: func() time.Time { return now }})
	case "fill":
		fillYearWarehouse(t, db)
	case "day":
		_, err = reports.WriteDaily(ctx, db, cat, reports.DailyOptions{
			Day: time.Date(2026, 11, 21, 0, 0, 0, 0, pipelines.Shanghai), OutDir: out, Now: func() time.Time { return now },
		})
	default:
		err = fmt.Errorf("mode %q", mode)
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("bench-seconds %.3f\n", time.Since(t0).Seconds())
}
