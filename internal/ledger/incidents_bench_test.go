package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// BenchmarkIncidents_Group groups a bad day's findings (56 resources of 7
// targets × 144 windows, 8,064 findings) into incidents after recording
// them, and reports the grouping's time against the recording's, both
// measured in this run (group/record).
func BenchmarkIncidents_Group(b *testing.B) {
	ctx := context.Background()
	var fs []ledger.Finding
	targets := []string{"city_gov", "ministry", "province", "city_cgw", "chenghua", "pengzhou", "qingbaijiang"}
	for i, t := range targets {
		var res []string
		for r := 0; r < 8; r++ {
			res = append(res, string(rune('a'+r)))
		}
		// every other hour failing: 12 outages per resource, the target
		// down together when i is even.
		for _, f := range outage(t, res, pipelines.StatusMissed, 3, sh(21, 0, 0), 10*time.Minute, 144) {
			if (f.WindowStart.Hour()+i)%2 == 0 {
				fs = append(fs, f)
			}
		}
	}
	var record, group time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wh := MustOpen(b, sh(22, 1, 0))
		b.StartTimer()
		t0 := time.Now()
		if err := ledger.NewFindings(wh.DB()).Record(ctx, "run", sh(22, 0, 10), fs); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		n, err := ledger.NewIncidents(wh.DB()).Group(ctx, "run", pipelines.IncidentRules{})
		if err != nil {
			b.Fatal(err)
		}
		record += t1.Sub(t0)
		group += time.Since(t1)
		if i == 0 {
			b.ReportMetric(float64(len(fs)), "findings")
			b.ReportMetric(float64(n), "incidents")
		}
	}
	b.ReportMetric(record.Seconds()/float64(b.N), "record_s")
	b.ReportMetric(group.Seconds()/float64(b.N), "group_s")
	b.ReportMetric(group.Seconds()/record.Seconds(), "group/record")
}
