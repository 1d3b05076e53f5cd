package ledger_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// BenchmarkResults_Save stores one day of a busy run: 8,064 results (56
// resources × 144 windows) and 100,000 keys, bound as parameters.
func BenchmarkResults_Save(b *testing.B) {
	ctx := context.Background()
	var rs []ledger.Result
	keys := 0
	for r := 0; r < 56; r++ {
		for w := 0; w < 144; w++ {
			start := sh(21, 0, 0).Add(time.Duration(w) * 10 * time.Minute)
			x := ledger.Result{Target: "city_gov", Resource: fmt.Sprintf("res_%02d", r), WindowStart: start, WindowEnd: start.Add(10 * time.Minute),
				Deadline: start.Add(20 * time.Minute), Status: pipelines.StatusShort, Expected: n(100), Claimed: n(100), Received: n(88),
				MissingKeys: 12, LastPushAt: start.Add(11 * time.Minute), FaultLevel: 3, Detail: "缺 12 条"}
			for k := 0; k < 12 && keys < 100000; k++ {
				x.Keys = append(x.Keys, ledger.Key{Kind: "missing", Key: fmt.Sprintf("%d|%d|%d", r, w, k), Occurrences: 1})
				keys++
			}
			rs = append(rs, x)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wh := MustOpen(b, sh(22, 1, 0))
		b.StartTimer()
		if err := ledger.NewResults(wh.DB()).Save(ctx, "run", rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(keys), "keys")
}
