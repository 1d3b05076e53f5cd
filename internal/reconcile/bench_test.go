package reconcile

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkKeyDiff_1M times the key diff of one window with 1,000,000
// source keys against a target holding all but 1,000 of them, 1,000 keys
// the source lacks and 500 keys twice; the baseline, measured in the same
// run, is a plain hash join of the two key sets. Target: under 1 s.
func BenchmarkKeyDiff_1M(b *testing.B) {
	db := mustOpenWarehouse(b,
		"CREATE TABLE src AS SELECT CAST(i AS VARCHAR) AS k, '' AS v FROM range(1000000) t(i)",
		`CREATE TABLE rcv AS SELECT CAST(i AS VARCHAR) AS k, '' AS v FROM range(1000, 1001000) t(i)
		 UNION ALL SELECT CAST(i AS VARCHAR), '' FROM range(2000, 2500) t(i)`,
	)
	cte := "WITH sk AS (SELECT k, v FROM src), rk AS (SELECT k, v FROM rcv)"
	run := func(q string) (time.Duration, int) {
		t0 := time.Now()
		rows, err := db.Query(q)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		return time.Since(t0), n
	}
	base, _ := run("SELECT count(*) FROM src JOIN rcv USING (k)")
	b.ResetTimer()
	var d time.Duration
	var n int
	for i := 0; i < b.N; i++ {
		d, n = run(cte + keyDiffSQL + countsSQL)
	}
	b.StopTimer()
	if want := 1000 + 1000 + 500 + 2; n != want {
		b.Fatalf("%d diff rows, want %d", n, want)
	}
	b.ReportMetric(d.Seconds(), "s/diff")
	fmt.Printf("keydiff-1M: %.3f s; baseline (hash join of the same key sets) %.3f s; ratio %.2f; target < 1 s: %s\n",
		d.Seconds(), base.Seconds(), d.Seconds()/base.Seconds(), map[bool]string{true: "met", false: "MISSED"}[d < time.Second])
}
