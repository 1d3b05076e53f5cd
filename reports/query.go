package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ErrNoResults is returned when no run has results for the day asked for.
var ErrNoResults = ledger.ErrNoResults

// dayRange is the calendar day of the report in Asia/Shanghai: the
// results of a day are the windows that END within it (ledger.Day).
type dayRange struct {
	day  time.Time // 00:00 Shanghai
	span ledger.Span
}

func newDayRange(day time.Time) dayRange {
	span := ledger.Day(day)
	return dayRange{day: span.From, span: span}
}

func (d dayRange) String() string { return d.day.Format("2006-01-02") }

// nullTime is t as a nullable time: the zero time is NULL.
func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

// nullLevel is a fault level as a nullable number: 0 is NULL.
func nullLevel(l int) sql.NullInt64 { return sql.NullInt64{Int64: int64(l), Valid: l != 0} }

// LatestRun returns the run whose results the daily report shows when no
// run is named: the latest run (by started_at in audit.runs, then run id)
// that has results for the day and is not still running. It returns an
// error wrapping ErrNoResults when there is none.
func LatestRun(ctx context.Context, db *sql.DB, day time.Time) (string, error) {
	d := newDayRange(day)
	id, err := ledger.NewResults(db).LatestRun(ctx, d.span)
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
	counts, err := ledger.NewResults(db).CountByStatus(ctx, run, d.span)
	if err != nil {
		return nil, fmt.Errorf("summary of %s run %s: %w", d, run, err)
	}
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
	for _, c := range counts {
		target, resource, status, n := c.Target, c.Resource, c.Status, c.N
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
	rs, err := ledger.NewResults(db).ForDay(ctx, run, d.span)
	if err != nil {
		return nil, fmt.Errorf("results of %s run %s: %w", d, run, err)
	}
	out := make([]result, len(rs))
	for i, r := range rs {
		out[i] = result{target: r.Target, resource: r.Resource, start: r.WindowStart, end: r.WindowEnd,
			deadline: r.Deadline, hasDeadline: !r.Deadline.IsZero(), status: r.Status,
			expected: r.Expected, claimed: r.Claimed, recvd: r.Received, level: nullLevel(r.FaultLevel), detail: r.Detail}
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
	u, found, err := warehouse.ReadRun(ctx, db, run)
	if err != nil {
		return info, fmt.Errorf("run %s: %w", run, err)
	}
	if found {
		info.started, info.hasStart = u.StartedAt, !u.StartedAt.IsZero()
		info.finished, info.hasEnd = u.FinishedAt, !u.FinishedAt.IsZero()
		info.status = u.Status
	}
	cutoff := time.Date(9999, 12, 31, 0, 0, 0, 0, pipelines.Shanghai)
	if info.hasStart {
		cutoff = info.started
	}
	rows, err := db.QueryContext(ctx, `
SELECT source, snapshot_at, replica_lag_s FROM audit.source_snapshots
WHERE all_ok AND finished_at <= ?
QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC, run_id DESC) = 1
ORDER BY source`, warehouse.Timestamp(cutoff))
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

// loadFindings returns the findings that touch the day
// (ledger.Findings.Touching).
func loadFindings(ctx context.Context, db *sql.DB, d dayRange) ([]finding, error) {
	fs, err := ledger.NewFindings(db).Touching(ctx, d.span)
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", d, err)
	}
	return findingsOf(fs), nil
}

// findingsOf are the ledger's findings fs as the reports show them.
func findingsOf(fs []ledger.Finding) []finding {
	out := make([]finding, len(fs))
	for i, f := range fs {
		out[i] = finding{id: f.ID, target: f.Target, resource: f.Resource, start: f.WindowStart, end: f.WindowEnd,
			status: f.Status, level: nullLevel(f.FaultLevel), firstSeen: f.FirstSeen, lastSeen: f.LastSeen,
			resolvedAt: nullTime(f.ResolvedAt), respondBy: nullTime(f.RespondBy), resolveBy: nullTime(f.ResolveBy),
			respondedAt: nullTime(f.RespondedAt)}
	}
	return out
}

// keyStats measures the key detail of the day's results before it is
// streamed: how many rows and the longest key in bytes.
func keyStats(ctx context.Context, db *sql.DB, d dayRange, run string) (n int64, maxKey int64, maxOcc int64, err error) {
	n, maxKey, maxOcc, err = ledger.NewResults(db).KeyStats(ctx, run, d.span)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("key detail of %s run %s: %w", d, run, err)
	}
	return n, maxKey, maxOcc, nil
}

// keyListRows is the number of rows the key sheet lists with limit keys
// per result (eachKey over every resource, and the capped notes).
func keyListRows(ctx context.Context, db *sql.DB, d dayRange, run string, limit int) (int64, error) {
	n, err := ledger.NewResults(db).KeyListRows(ctx, run, d.span, limit)
	if err != nil {
		return 0, fmt.Errorf("key detail of %s run %s: %w", d, run, err)
	}
	return n, nil
}

// keyRow is one key of a result, or (when capped) the note that the rest
// of the result's keys were left out.
type keyRow struct {
	pair        int // index in the pairs eachKey was given
	start       time.Time
	kind, key   string
	occurrences int64
	total       int64 // keys of the window in all
	rank        int64
}

// eachKey streams, in one query, the keys of the day's results of each
// target/resource pair in turn, at most limit per result, ordered by
// window start, kind and key.
func eachKey(ctx context.Context, db *sql.DB, d dayRange, run string, pairs []ledger.Pair, limit int, fn func(keyRow) error) error {
	pos := make(map[ledger.Pair]int, len(pairs))
	for i, p := range pairs {
		pos[p] = i
	}
	err := ledger.NewResults(db).EachKeyOf(ctx, run, pairs, d.span, limit, func(k ledger.WindowKey) error {
		return fn(keyRow{pair: pos[ledger.Pair{Target: k.Target, Resource: k.Resource}], start: k.WindowStart,
			kind: k.Kind, key: k.Key.Key, occurrences: k.Occurrences, total: k.Total, rank: k.Rank})
	})
	if err != nil {
		return fmt.Errorf("keys of %s run %s: %w", d, run, err)
	}
	return nil
}
