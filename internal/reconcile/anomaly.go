package reconcile

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// anomalies judges each volume of the anomaly rules, per bucket (day or
// hour) starting in [lo, hi) and before now, against the same bucket of
// the weeks before (pipelines.JudgeVolume): one result of SourceTarget per
// volume (and value of its by column) and bucket. Every check before this
// one trusts the source; this one asks whether the source itself looks
// like its own past.
func (r *Reconciler) anomalies(ctx context.Context, wh warehouse.Querier, o Options, lo, hi time.Time, trusted map[string]time.Time) ([]*Result, error) {
	a := o.Anomaly.WithDefaults()
	if len(a.Volumes) == 0 {
		return nil, nil
	}
	step := a.Step()
	var buckets []pipelines.Window
	for t := lo; t.Before(hi) && t.Before(o.Now); t = addStep(t, step) {
		buckets = append(buckets, pipelines.Window{Start: t, End: addStep(t, step)})
	}
	if len(buckets) == 0 {
		return nil, nil
	}
	var out []*Result
	for _, v := range a.Volumes {
		if o.Resource != "" && o.Resource != v.Name && !hasVolumePrefix(o.Resource, v.Name) {
			continue
		}
		trust := pipelines.Trust{Snapshots: trusted, Compared: o.trustKeys([]string{v.Table})}
		from := buckets[0].Start.AddDate(0, 0, -7*a.Weeks)
		counts, first, q, err := volumeCounts(ctx, wh, v, a.Bucket, from, hi)
		if err != nil {
			return nil, fmt.Errorf("anomaly %s: %w", v.Name, err)
		}
		groups := make([]string, 0, len(first))
		for g := range first {
			groups = append(groups, g)
		}
		sort.Strings(groups)
		if v.By == "" && len(groups) == 0 {
			groups = []string{""} // a table without any row still has its one volume
		}
		for _, g := range groups {
			if o.Resource != "" && o.Resource != v.Name && o.Resource != volumeKey(v, g) {
				continue
			}
			for _, b := range buckets {
				x := judgeBucket(v, g, b, counts[g], first[g], a, o, trust)
				x.queries = map[string]string{"received": q}
				x.params = args{"from": from, "to": hi}
				out = append(out, x)
			}
		}
	}
	return out, nil
}

// judgeBucket is the result of volume v (value g) in bucket b.
func judgeBucket(v pipelines.VolumeSpec, g string, b pipelines.Window, counts map[int64]int64, first time.Time, a pipelines.AnomalyRules, o Options, trust pipelines.Trust) *Result {
	x := &Result{Target: pipelines.SourceTarget, Resource: volumeKey(v, g), Window: b, Deadline: b.End}
	// a count, not a push: no claim.
	x.Facts = pipelines.Facts{Mode: pipelines.ModeMeasures, Deadline: b.End, Now: o.Now, NoClaim: true}
	n := counts[b.Start.Unix()]
	x.Facts.Received = n
	switch {
	case o.Now.Before(b.End):
		x.Status = pipelines.StatusPending
		x.Detail = "截止 " + b.End.Format("2006-01-02 15:04") + " 前未完成"
		return x
	case trust.Unverifiable(b):
		x.Status, x.Detail = pipelines.StatusUnverifiable, "源库快照不可信，无法核验"
		return x
	case a.Holiday(b.Start):
		x.Status, x.Detail = pipelines.StatusUnverifiable, "节假日，不作判断"
		return x
	}
	// the same bucket of earlier weeks, not on a holiday and not before
	// the volume's first row: weeks before a deployment (or before a new
	// district began) say nothing of what it should count.
	var hist []int64
	for k := 1; k <= a.Weeks; k++ {
		t := b.Start.AddDate(0, 0, -7*k)
		if t.Before(first) || a.Holiday(t) {
			continue
		}
		hist = append(hist, counts[t.Unix()])
		x.history = append(x.history, fmt.Sprintf("%s = %d", t.Format(historyLayout(a.Bucket)), counts[t.Unix()]))
	}
	j := pipelines.JudgeVolume(n, hist, a)
	x.Facts.Expected = int64(math.Round(j.Median))
	if !j.Judged {
		x.Status = pipelines.StatusUnverifiable
		x.Detail = fmt.Sprintf("历史不足：可比 %d 周（需 %d 周），不作判断", j.Points, a.MinWeeks)
		return x
	}
	if !j.Anomaly {
		x.Status = pipelines.StatusOK
		return x
	}
	x.Status = pipelines.StatusAnomaly
	x.FaultLevel = o.Levels.Level(x.Status, x.Facts)
	dir := "下降"
	if j.Score > 0 {
		dir = "上升"
	}
	change := "∞"
	if j.Median > 0 {
		change = fmt.Sprintf("%.0f%%", math.Abs(float64(n)-j.Median)/j.Median*100)
	}
	x.Detail = fmt.Sprintf("%d 条，较前 %d 周同期中位数 %.0f %s %s（稳健分数 %.1f，阈值 %.1f）", n, j.Points, j.Median, dir, change, j.Score, a.Threshold)
	return x
}

func historyLayout(bucket string) string {
	if bucket == "hour" {
		return "2006-01-02 15:04"
	}
	return time.DateOnly
}

// addStep adds a bucket's length: a day as a calendar day, so buckets stay
// at midnight.
func addStep(t time.Time, step time.Duration) time.Time {
	if step == 24*time.Hour {
		return t.AddDate(0, 0, 1)
	}
	return t.Add(step)
}

// volumeKey is the resource key of volume v's value g: "name" or
// "name:value".
func volumeKey(v pipelines.VolumeSpec, g string) string {
	if v.By == "" {
		return v.Name
	}
	return v.Name + ":" + g
}

func hasVolumePrefix(resource, name string) bool {
	return len(resource) > len(name) && resource[:len(name)+1] == name+":"
}

// volumeCounts counts the rows of v per value of its by column and bucket
// start in [from, to), and the first bucket each value has a row in
// (within [from, to)). A NULL value of the by column counts as "".
func volumeCounts(ctx context.Context, wh warehouse.Querier, v pipelines.VolumeSpec, bucket string, from, to time.Time) (counts map[string]map[int64]int64, first map[string]time.Time, q string, err error) {
	t := "CAST(" + warehouse.QuoteIdent(v.TimeColumn) + " AS TIMESTAMP)"
	unit := "day"
	if bucket == "hour" {
		unit = "hour"
	}
	by := "''"
	if v.By != "" {
		by = "coalesce(CAST(" + warehouse.QuoteIdent(v.By) + " AS VARCHAR), '')"
	}
	q = `SELECT ` + by + ` AS g, date_trunc('` + unit + `', ` + t + `) AS b, count(*)
FROM ` + warehouse.QuoteTable(v.Table) + ` WHERE ` + t + ` >= $from AND ` + t + ` < $to GROUP BY ALL`
	a := args{"from": from, "to": to}
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, nil, q, fmt.Errorf("count %s by %s: %w", v.Table, v.TimeColumn, err)
	}
	defer rows.Close()
	counts, first = map[string]map[int64]int64{}, map[string]time.Time{}
	for rows.Next() {
		var g string
		var b time.Time
		var n int64
		if err := rows.Scan(&g, &b, &n); err != nil {
			return nil, nil, q, err
		}
		b = warehouse.FromWall(b)
		if counts[g] == nil {
			counts[g] = map[int64]int64{}
		}
		counts[g][b.Unix()] = n
		if f, ok := first[g]; !ok || b.Before(f) {
			first[g] = b
		}
	}
	return counts, first, q, rows.Err()
}
