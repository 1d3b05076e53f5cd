package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
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
//
// With Resources, each periodic resource's expected volume is judged too
// (resourceAnomalies), from the results of this run (current) and those
// stored before.
func (r *Reconciler) anomalies(ctx context.Context, wh warehouse.Querier, o Options, lo, hi time.Time, trusted map[string]time.Time, current []*Result) ([]*Result, error) {
	a := o.Anomaly.WithDefaults()
	if !a.Enabled() {
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
		if o.Resource != "" && o.Resource != v.Name && !strings.HasPrefix(o.Resource, v.Name+":") {
			continue
		}
		trust := pipelines.Trust{Snapshots: trusted, Compared: o.trustKeys([]string{v.Table})}
		whyNot := func(w pipelines.Window) string {
			if trust.Unverifiable(w) {
				return "源库快照不可信，无法核验"
			}
			return ""
		}
		// a table or column the warehouse lacks (never snapshotted, renamed
		// at the site) leaves this volume unjudged, with the reason; the
		// run goes on (a failed query would end its transaction).
		ok, err := hasColumn(ctx, wh, v.Table, v.TimeColumn)
		if err == nil && ok && v.By != "" {
			ok, err = hasColumn(ctx, wh, v.Table, v.By)
		}
		if err != nil {
			return nil, fmt.Errorf("anomaly %s: %w", v.Name, err)
		}
		if !ok {
			why := fmt.Sprintf("仓库中没有 %s 的列 %s（未快照或列名不符），无法统计", v.Table, v.TimeColumn)
			if v.By != "" {
				why = fmt.Sprintf("仓库中没有 %s 的列 %s 或 %s（未快照或列名不符），无法统计", v.Table, v.TimeColumn, v.By)
			}
			o.Logger.Warn("reconcile: anomaly volume not counted", "volume", v.Name, "table", v.Table)
			for _, b := range buckets {
				out = append(out, &Result{Target: pipelines.SourceTarget, Resource: v.Name, Window: b, Deadline: b.End,
					Status: pipelines.StatusUnverifiable, Detail: why,
					Facts: pipelines.Facts{Mode: pipelines.ModeMeasures, Deadline: b.End, Now: o.Now, NoClaim: true, Unverifiable: true}})
			}
			continue
		}
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
				x := judgeBucket(volumeKey(v, g), b, counts[g], first[g], whyNot, a, o)
				x.queries = map[string]string{"received": q}
				x.params = args{"from": from, "to": hi}
				out = append(out, x)
			}
		}
	}
	if a.Resources {
		rs, err := r.resourceAnomalies(ctx, wh, o, a, buckets, current)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// judgeBucket is the result of the volume key in bucket b, its counts by
// bucket start, its first bucket with a count: whyNot says why a bucket's
// count cannot be used ("" when it can), for b itself and for history.
func judgeBucket(key string, b pipelines.Window, counts map[int64]int64, first time.Time, whyNot func(pipelines.Window) string, a pipelines.AnomalyRules, o Options) *Result {
	x := &Result{Target: pipelines.SourceTarget, Resource: key, Window: b, Deadline: b.End}
	// a count, not a push: no claim.
	x.Facts = pipelines.Facts{Mode: pipelines.ModeMeasures, Deadline: b.End, Now: o.Now, NoClaim: true}
	n := counts[b.Start.Unix()]
	x.Facts.Received = n
	switch {
	case o.Now.Before(b.End):
		x.Status = pipelines.StatusPending
		x.Detail = "截止 " + b.End.Format("2006-01-02 15:04") + " 前未完成"
		return x
	case whyNot(b) != "":
		x.Status, x.Detail = pipelines.StatusUnverifiable, whyNot(b)
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
		if t.Before(first) || a.Holiday(t) || whyNot(pipelines.Window{Start: t, End: addStep(t, a.Step())}) != "" {
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

// resourceAnomalies judges each periodic resource's expected volume per
// bucket: the rows its source query gave, summed over the windows that
// start in the bucket, from this run's results (current) over the latest
// stored ones. A bucket counts only when every one of its windows was
// judged with a count (none pending or unverifiable, none missing): a
// half-reconciled day is no history and cannot be judged.
func (r *Reconciler) resourceAnomalies(ctx context.Context, wh warehouse.Querier, o Options, a pipelines.AnomalyRules, buckets []pipelines.Window, current []*Result) ([]*Result, error) {
	step := a.Step()
	from, to := buckets[0].Start.AddDate(0, 0, -7*a.Weeks), buckets[len(buckets)-1].End
	type win struct {
		expected int64
		usable   bool
	}
	// by resource ID, window start
	got := map[string]map[int64]win{}
	put := func(target, resource string, start time.Time, status pipelines.Status, expected int64, known bool) {
		id := target + "/" + resource
		if got[id] == nil {
			got[id] = map[int64]win{}
		}
		ok := known && status != pipelines.StatusPending && status != pipelines.StatusUnverifiable
		got[id][start.Unix()] = win{expected, ok}
	}
	q := `SELECT target, resource, window_start, status, expected FROM audit.latest_results($lo, $hi)
WHERE target NOT IN ($stats, $source) AND window_start >= $from AND window_start < $to`
	p := args{"lo": from.Add(-24 * time.Hour), "hi": to.Add(24 * time.Hour), "from": from, "to": to, "stats": pipelines.StatsTarget, "source": pipelines.SourceTarget}
	rows, err := wh.QueryContext(ctx, q, p.bind(q)...)
	if err != nil {
		return nil, fmt.Errorf("anomaly: read the results before: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, resource, status string
		var start time.Time
		var expected sql.NullInt64
		if err := rows.Scan(&target, &resource, &start, &status, &expected); err != nil {
			return nil, err
		}
		put(target, resource, warehouse.FromWall(start), pipelines.Status(status), expected.Int64, expected.Valid)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range current {
		if x.Target != pipelines.StatsTarget && x.Target != pipelines.SourceTarget {
			put(x.Target, x.Resource, x.Window.Start, x.Status, x.Facts.Expected, !x.Facts.Unverifiable)
		}
	}
	var out []*Result
	for i := range r.cat.Resources {
		res := &r.cat.Resources[i]
		key := "expected:" + res.Target + "." + res.Key
		if !res.Cadence.Periodic() || (res.Mode != pipelines.ModeRows && res.Mode != pipelines.ModeMeasures) ||
			(o.Resource != "" && o.Resource != key) {
			continue
		}
		sch, err := o.Schedules.Of(res.Cadence)
		if err != nil {
			return nil, err
		}
		ws := got[res.ID()]
		counts := map[int64]int64{}
		complete := map[int64]bool{}
		var first time.Time
		for t := from; t.Before(to); t = addStep(t, step) {
			b := pipelines.Window{Start: t, End: addStep(t, step)}
			all, err := sch.Windows(b.Start, b.End)
			if err != nil {
				return nil, err
			}
			n, seen, usable := int64(0), 0, true
			for _, w := range all {
				if w.Start.Before(b.Start) || !w.Start.Before(b.End) {
					continue
				}
				seen++
				x, ok := ws[w.Start.Unix()]
				usable = usable && ok && x.usable
				n += x.expected
			}
			counts[t.Unix()], complete[t.Unix()] = n, usable && seen > 0
			if first.IsZero() && complete[t.Unix()] {
				first = t
			}
		}
		if first.IsZero() {
			first = to // nothing judged yet: no history
		}
		whyNot := func(w pipelines.Window) string {
			if !complete[w.Start.Unix()] {
				return "时段内的窗口未全部核验（未到期或无法核验），不作判断"
			}
			return ""
		}
		for _, b := range buckets {
			x := judgeBucket(key, b, counts, first, whyNot, a, o)
			x.params = args{"target": res.Target, "resource": res.Key, "from": from, "to": to}
			x.queries = map[string]string{"expected": q}
			out = append(out, x)
		}
	}
	return out, nil
}
