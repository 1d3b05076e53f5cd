package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ErrNoResults is returned when no run has results for the day asked for.
var ErrNoResults = errors.New("no reconcile results for the day")

// dayRange is the calendar day of the report in Asia/Shanghai.
//
// The results of a day are the windows that END within the day: window_end
// in (from, to], from = day 00:00 and to = next day 00:00. Windows are
// half-open [start, end), so the window [23:50, 00:00) is the last one of
// the day and [00:00, 00:10) the first; a daily_after_2300 window
// [D-1 23:00, D 23:00) belongs to D. The TIMESTAMP columns hold Shanghai
// wall-clock time, so the bounds are passed as wall-clock text, never as
// time.Time (the driver would convert those to UTC).
type dayRange struct {
	day      time.Time // 00:00 Shanghai
	from, to string    // "2006-01-02 15:04:05" wall clock
}

const sqlTime = "2006-01-02 15:04:05"

func newDayRange(day time.Time) dayRange {
	d := day.In(pipelines.Shanghai)
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, pipelines.Shanghai)
	next := start.AddDate(0, 0, 1)
	return dayRange{day: start, from: start.Format(sqlTime), to: next.Format(sqlTime)}
}

func (d dayRange) String() string { return d.day.Format("2006-01-02") }

// endsInDay is the SQL condition "col ends within the day" (or the
// period, for the operations report); it takes the parameters (from, to).
func endsInDay(col string) string {
	return col + ` > CAST(? AS TIMESTAMP) AND ` + col + ` <= CAST(? AS TIMESTAMP)`
}

// LatestRun returns the run whose results the daily report shows when no
// run is named: the latest run (by started_at in audit.runs, then run id)
// that has results for the day and is not still running. It returns an
// error wrapping ErrNoResults when there is none.
func LatestRun(ctx context.Context, db *sql.DB, day time.Time) (string, error) {
	d := newDayRange(day)
	var id string
	err := db.QueryRowContext(ctx, `
SELECT r.run_id
FROM (SELECT DISTINCT run_id FROM audit.results WHERE `+endsInDay("window_end")+`) r
LEFT JOIN audit.runs u ON u.run_id = r.run_id
WHERE coalesce(u.status, '') <> 'running'
ORDER BY u.started_at DESC NULLS LAST, r.run_id DESC
LIMIT 1`, d.from, d.to).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("latest run for %s: %w", d, ErrNoResults)
	}
	if err != nil {
		return "", fmt.Errorf("latest run for %s: %w", d, err)
	}
	return id, nil
}

// RAG is the traffic light of a target in the summary (pipelines.RAGOf).
type RAG = pipelines.RAG

// The traffic lights.
const (
	RAGNone  = pipelines.RAGNone
	RAGGreen = pipelines.RAGGreen
	RAGAmber = pipelines.RAGAmber
	RAGRed   = pipelines.RAGRed
)

// TargetSummary is one row of the daily summary.
type TargetSummary struct {
	Target string
	NameZH string
	NameEN string
	// Resources is the number of catalog resources of the target (for a
	// target outside the catalog, the resources with results).
	Resources int
	// Checked is the number of resources with results on the day.
	Checked int
	// Windows is the number of results; Due those not pending.
	Windows int
	Due     int
	// Counts is the number of results per verdict.
	Counts map[pipelines.Status]int
}

// OK is the number of ok results.
func (s TargetSummary) OK() int { return s.Counts[pipelines.StatusOK] }

// RAG is the traffic light of the target.
func (s TargetSummary) RAG() RAG { return pipelines.RAGOf(s.Counts) }

// SummaryRows returns one row per target for the day, from the latest run
// with results for the day (see LatestRun): the catalog's targets in
// catalog order, then any other target with results (such as stats) by
// key.
func SummaryRows(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, day time.Time) ([]TargetSummary, error) {
	run, err := LatestRun(ctx, db, day)
	if err != nil {
		return nil, err
	}
	return summaryRows(ctx, db, cat, newDayRange(day), run)
}

// summaryRows is the one query behind SummaryRows and the summary sheet.
func summaryRows(ctx context.Context, db *sql.DB, cat *pipelines.Catalog, d dayRange, run string) ([]TargetSummary, error) {
	rows, err := db.QueryContext(ctx, `
SELECT target, resource, status, count(*)
FROM audit.results
WHERE run_id = ? AND `+endsInDay("window_end")+`
GROUP BY target, resource, status
ORDER BY target, resource, status`, run, d.from, d.to)
	if err != nil {
		return nil, fmt.Errorf("summary of %s run %s: %w", d, run, err)
	}
	defer rows.Close()
	byTarget := map[string]*TargetSummary{}
	checked := map[string]map[string]bool{}
	var order []string
	get := func(t string) *TargetSummary {
		if s, ok := byTarget[t]; ok {
			return s
		}
		s := &TargetSummary{Target: t, Counts: map[pipelines.Status]int{}}
		if ct, ok := cat.Target(t); ok {
			s.NameZH, s.NameEN = ct.NameZH, ct.NameEN
			s.Resources = len(cat.ResourcesOf(t))
		}
		byTarget[t] = s
		checked[t] = map[string]bool{}
		order = append(order, t)
		return s
	}
	for _, t := range cat.Targets {
		get(t.Key)
	}
	for rows.Next() {
		var target, resource, status string
		var n int
		if err := rows.Scan(&target, &resource, &status, &n); err != nil {
			return nil, fmt.Errorf("summary of %s run %s: %w", d, run, err)
		}
		st := pipelines.Status(status)
		if !st.Valid() {
			return nil, fmt.Errorf("summary of %s run %s: result %s/%s: status %q is not a verdict", d, run, target, resource, status)
		}
		s := get(target)
		s.Counts[st] += n
		s.Windows += n
		if st != pipelines.StatusPending {
			s.Due += n
		}
		checked[target][resource] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("summary of %s run %s: %w", d, run, err)
	}
	nCat := len(cat.Targets)
	extra := order[nCat:]
	sort.Strings(extra)
	out := make([]TargetSummary, 0, len(order))
	for _, t := range order {
		s := byTarget[t]
		s.Checked = len(checked[t])
		if _, ok := cat.Target(t); !ok {
			s.Resources = s.Checked
		}
		out = append(out, *s)
	}
	return out, nil
}

// result is one row of audit.results.
type result struct {
	target, resource         string
	start, end               time.Time
	deadline                 time.Time
	hasDeadline              bool
	status                   pipelines.Status
	expected, claimed, recvd sql.NullInt64
	level                    sql.NullInt64
	detail                   string
}

// loadResults returns the day's results of the run, ordered by target,
// resource and window start.
func loadResults(ctx context.Context, db *sql.DB, d dayRange, run string) ([]result, error) {
	rows, err := db.QueryContext(ctx, `
SELECT target, resource, window_start, window_end, deadline, status,
       expected, claimed, received, fault_level, coalesce(detail, '')
FROM audit.results
WHERE run_id = ? AND `+endsInDay("window_end")+`
ORDER BY target, resource, window_start`, run, d.from, d.to)
	if err != nil {
		return nil, fmt.Errorf("results of %s run %s: %w", d, run, err)
	}
	defer rows.Close()
	var out []result
	for rows.Next() {
		var r result
		var start, end time.Time
		var deadline sql.NullTime
		var status string
		if err := rows.Scan(&r.target, &r.resource, &start, &end, &deadline, &status,
			&r.expected, &r.claimed, &r.recvd, &r.level, &r.detail); err != nil {
			return nil, fmt.Errorf("results of %s run %s: %w", d, run, err)
		}
		r.start, r.end = warehouse.FromWall(start), warehouse.FromWall(end)
		r.deadline, r.hasDeadline = warehouse.FromWall(deadline.Time), deadline.Valid
		r.status = pipelines.Status(status)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("results of %s run %s: %w", d, run, err)
	}
	return out, nil
}

// runInfo is what the summary says about the run and its snapshots.
type runInfo struct {
	id                string
	started, finished time.Time
	hasStart, hasEnd  bool
	status            string
	snapshots         []snapshotInfo
}

type snapshotInfo struct {
	source string
	at     time.Time
	lag    sql.NullFloat64
}

// loadRunInfo reads the run from audit.runs and, per source, the latest
// snapshot whose tables all loaded ok and that finished before the run
// started (any time, when the run is not in audit.runs).
func loadRunInfo(ctx context.Context, db *sql.DB, run string) (runInfo, error) {
	info := runInfo{id: run}
	var started, finished sql.NullTime
	var status sql.NullString
	err := db.QueryRowContext(ctx, `SELECT started_at, finished_at, status FROM audit.runs WHERE run_id = ?`, run).
		Scan(&started, &finished, &status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return info, fmt.Errorf("run %s: %w", run, err)
	}
	info.started, info.hasStart = warehouse.FromWall(started.Time), started.Valid
	info.finished, info.hasEnd = warehouse.FromWall(finished.Time), finished.Valid
	info.status = status.String
	cutoff := "9999-12-31 00:00:00"
	if info.hasStart {
		cutoff = info.started.Format(sqlTime)
	}
	rows, err := db.QueryContext(ctx, `
WITH s AS (
  SELECT run_id, source,
         min(coalesce(snapshot_at, started_at)) AS snap_at,
         max(replica_lag_s) AS lag,
         bool_and(status = 'ok') AS all_ok,
         max(coalesce(finished_at, started_at)) AS fin
  FROM audit.snapshots
  GROUP BY run_id, source)
SELECT source, snap_at, lag FROM s
WHERE all_ok AND fin <= CAST(? AS TIMESTAMP)
QUALIFY row_number() OVER (PARTITION BY source ORDER BY fin DESC, run_id DESC) = 1
ORDER BY source`, cutoff)
	if err != nil {
		return info, fmt.Errorf("snapshots before run %s: %w", run, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s snapshotInfo
		var at time.Time
		if err := rows.Scan(&s.source, &at, &s.lag); err != nil {
			return info, fmt.Errorf("snapshots before run %s: %w", run, err)
		}
		s.at = warehouse.FromWall(at)
		info.snapshots = append(info.snapshots, s)
	}
	if err := rows.Err(); err != nil {
		return info, fmt.Errorf("snapshots before run %s: %w", run, err)
	}
	return info, nil
}

// finding is one row of audit.findings.
type finding struct {
	id, target, resource string
	start, end           time.Time
	status               pipelines.Status
	level                sql.NullInt64
	firstSeen, lastSeen  time.Time
	resolvedAt           sql.NullTime
	respondBy, resolveBy sql.NullTime
	respondedAt          sql.NullTime // shown by the operations report only
}

// levelIndex is the finding's fault level 1..4, or 0 for none.
func (f finding) levelIndex() int {
	if f.level.Valid && f.level.Int64 >= 1 && f.level.Int64 <= 4 {
		return int(f.level.Int64)
	}
	return 0
}

// loadFindings returns the findings that touch the day: their window ends
// within the day, or they were seen during it (first seen..last seen
// overlaps the day), or they were resolved during it, or they were still
// open at the end of the day.
func loadFindings(ctx context.Context, db *sql.DB, d dayRange) ([]finding, error) {
	return queryFindings(ctx, db, d.String(), `(`+endsInDay("window_end")+`)
   OR (first_seen <= CAST(? AS TIMESTAMP) AND last_seen > CAST(? AS TIMESTAMP))
   OR (`+endsInDay("resolved_at")+`)
   OR (first_seen <= CAST(? AS TIMESTAMP) AND (resolved_at IS NULL OR resolved_at > CAST(? AS TIMESTAMP)))`,
		d.from, d.to, d.to, d.from, d.from, d.to, d.to, d.to)
}

// queryFindings returns the findings that match the SQL condition where
// (with args), ordered by window start, target, resource, status and id;
// of names the day or period in errors.
func queryFindings(ctx context.Context, db *sql.DB, of, where string, args ...any) ([]finding, error) {
	rows, err := db.QueryContext(ctx, `
SELECT finding_id, target, resource, window_start, window_end, status, fault_level,
       first_seen, last_seen, resolved_at, respond_by, resolve_by, responded_at
FROM audit.findings
WHERE `+where+`
ORDER BY window_start, target, resource, status, finding_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", of, err)
	}
	defer rows.Close()
	var out []finding
	for rows.Next() {
		var f finding
		var start, end, first, last time.Time
		var status string
		if err := rows.Scan(&f.id, &f.target, &f.resource, &start, &end, &status, &f.level,
			&first, &last, &f.resolvedAt, &f.respondBy, &f.resolveBy, &f.respondedAt); err != nil {
			return nil, fmt.Errorf("findings of %s: %w", of, err)
		}
		f.start, f.end, f.firstSeen, f.lastSeen = warehouse.FromWall(start), warehouse.FromWall(end), warehouse.FromWall(first), warehouse.FromWall(last)
		f.status = pipelines.Status(status)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("findings of %s: %w", of, err)
	}
	return out, nil
}

// keyStats measures the key detail of the day's results before it is
// streamed: how many rows and the longest key in bytes.
func keyStats(ctx context.Context, db *sql.DB, d dayRange, run string) (n int64, maxKey int64, maxOcc int64, err error) {
	err = db.QueryRowContext(ctx, `
SELECT count(*), coalesce(max(strlen(k.key)), 0), coalesce(max(k.occurrences), 0)
FROM audit.result_keys k
JOIN audit.results r USING (run_id, target, resource, window_start)
WHERE k.run_id = ? AND `+endsInDay("r.window_end"), run, d.from, d.to).Scan(&n, &maxKey, &maxOcc)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("key detail of %s run %s: %w", d, run, err)
	}
	return n, maxKey, maxOcc, nil
}

// keyRow is one key of a result, or (when capped) the note that the rest
// of the result's keys were left out.
type keyRow struct {
	start       time.Time
	kind, key   string
	occurrences int64
	total       int64 // keys of the window in all
	rank        int64
}

// eachKey streams the keys of one resource's results of the day, at most
// limit per result, ordered by window start, kind and key.
func eachKey(ctx context.Context, db *sql.DB, d dayRange, run, target, resource string, limit int, fn func(keyRow) error) error {
	rows, err := db.QueryContext(ctx, `
SELECT window_start, kind, key, occurrences, total, rn FROM (
  SELECT k.window_start, k.kind, k.key, k.occurrences,
         count(*) OVER (PARTITION BY k.window_start) AS total,
         row_number() OVER (PARTITION BY k.window_start
           ORDER BY CASE k.kind WHEN 'missing' THEN 0 WHEN 'extra' THEN 1
                                WHEN 'duplicate' THEN 2 WHEN 'mismatch' THEN 3 ELSE 4 END,
                    k.kind, k.key) AS rn
  FROM audit.result_keys k
  JOIN audit.results r USING (run_id, target, resource, window_start)
  WHERE k.run_id = ? AND k.target = ? AND k.resource = ? AND `+endsInDay("r.window_end")+`
) WHERE rn <= ?
ORDER BY window_start, rn`, run, target, resource, d.from, d.to, limit)
	if err != nil {
		return fmt.Errorf("keys of %s/%s: %w", target, resource, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k keyRow
		var start time.Time
		if err := rows.Scan(&start, &k.kind, &k.key, &k.occurrences, &k.total, &k.rank); err != nil {
			return fmt.Errorf("keys of %s/%s: %w", target, resource, err)
		}
		k.start = warehouse.FromWall(start)
		if err := fn(k); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("keys of %s/%s: %w", target, resource, err)
	}
	return nil
}
