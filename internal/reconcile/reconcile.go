// Package reconcile compares, for every target × resource × window, what
// the source says should have been pushed (expected), what the push log
// says was sent (claimed) and what the target holds (received), in the
// DuckDB warehouse, and records one verdict per window with the keys
// behind it and a findings ledger.
package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Options select what to reconcile.
type Options struct {
	From, To time.Time // days (Asia/Shanghai); windows ending in (From 00:00, To+1 00:00]
	Target   string    // empty: every target (and "stats")
	Resource string    // empty: every resource
	Now      time.Time // the clock deadlines are compared with
	OnceAt   time.Time // day of the one-time pushes; zero: From
	RunID    string
	PushLog  string // warehouse table of the push log, e.g. exchange.push_log
	// Evidence are the site's evidence conventions (the shape of the push
	// log, empty pushes, targets without a push log, clocks, retention);
	// a push log without a table is the plain PushLog.
	Evidence  pipelines.SiteEvidence
	Schedules pipelines.Schedules
	// Levels are the fault-level rules; nil means the defaults.
	Levels *pipelines.LevelRules
	// Incidents are the rules grouping findings into incidents; zero
	// fields take the defaults.
	Incidents pipelines.IncidentRules
	// Receipts are the loads of the receipt evidence of media-copy
	// resources, by resource ID ("target/resource"); a resource without
	// one is unverifiable.
	Receipts map[string]*pipelines.EvidenceReport
	// EvidenceErrors are resources (by ID) whose evidence the warehouse
	// does not hold in a usable form (a front-end table never snapshotted,
	// or lacking columns): their windows are unverifiable, with the reason
	// in the detail, and the other resources go on.
	EvidenceErrors map[string]string

	// Anomaly are the rules of the anomaly check (results of
	// pipelines.SourceTarget); nothing enabled, no check.
	Anomaly pipelines.AnomalyRules

	// Cadence, when set, reconciles only the resources of that cadence
	// (the daemon's run after each window's deadline), and not stats.
	Cadence pipelines.Cadence

	// PerWindow reconciles every window with its own queries, the
	// reference path (explain shows its queries); otherwise the windows
	// of a simple time filter or of a state at each window's end are done
	// in one query per resource. Set only to compare the two paths.
	PerWindow bool
	// BucketedDiffFrom is the size, in rows the pushes claim, from which
	// a key diff finds duplicates by buckets of keys (bucketDiff); 0 is
	// the default. Set only to compare the forms on small windows.
	BucketedDiffFrom int64
	Logger           *slog.Logger
	// snapTables are the tables ("source.table") a snapshot run recorded
	// by name (trustedTables); set by compute.
	snapTables map[string]bool
}

// Result is one reconciled window.
type Result struct {
	Target     string
	Resource   string
	Window     pipelines.Window
	Deadline   time.Time
	Status     pipelines.Status
	Facts      pipelines.Facts
	FaultLevel int
	Detail     string
	keys       []keyRow
	crossed    int               // missing keys found in a neighbouring window's batch
	noClaim    bool              // the target has no push log: the claim is unknown
	queries    map[string]string // the SQL behind each number, for explain
	params     args              // the values of the queries' parameters
	note       string            // evidence trouble worth a line in the detail
	history    []string          // an anomaly result's history, for explain
}

// newResult is a window of res before it is reconciled.
func newResult(res *pipelines.Resource, w pipelines.Window, sch pipelines.Schedule, now time.Time) *Result {
	d := sch.Deadline(w)
	return &Result{Target: res.Target, Resource: res.Key, Window: w, Deadline: d,
		Facts: pipelines.Facts{Mode: res.Mode, Deadline: d, Now: now}}
}

type keyRow struct {
	kind string
	key  string
	occ  int64
}

// Reconciler runs reconciliations against one warehouse. Its methods
// read through the warehouse.Querier they are given: Run's transaction, or
// the warehouse itself for Explain.
type Reconciler struct {
	db  *sql.DB
	cat *pipelines.Catalog
}

// New returns a reconciler over the warehouse db.
func New(db *sql.DB, cat *pipelines.Catalog) *Reconciler { return &Reconciler{db: db, cat: cat} }

// dayBounds returns (From 00:00, To+1 00:00].
func (o *Options) dayBounds() (time.Time, time.Time) {
	return pipelines.DayStart(o.From), pipelines.DayStart(o.To).AddDate(0, 0, 1)
}

// pushLogSource is the source of the push log (its schema).
func (o *Options) pushLogSource() string { return o.Evidence.PushLog.Source() }

// pushLog is the push log as a relation of the catalog's shape
// (pipelines.PushLogSpec.Relation).
func (o *Options) pushLog() string { return o.Evidence.PushLog.Relation() }

// pushLogAs is the push log under an alias of the caller's (Relation may
// carry an alias of its own).
func (o *Options) pushLogAs(alias string) string {
	return "(SELECT * FROM " + o.pushLog() + ") AS " + warehouse.QuoteIdent(alias)
}

// selects says whether the run reconciles res: of the target, resource
// and cadence asked for (each empty: any).
func (o *Options) selects(res *pipelines.Resource) bool {
	return (o.Target == "" || o.Target == res.Target) && (o.Resource == "" || o.Resource == res.Key) && (o.Cadence == "" || o.Cadence == res.Cadence)
}

func (o *Options) defaults() {
	if o.Schedules == nil {
		o.Schedules = pipelines.DefaultSchedules()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Evidence.PushLog.Table() == "" {
		if o.PushLog == "" {
			o.PushLog = pipelines.DefaultPushLog
		}
		o.Evidence.PushLog = pipelines.PlainPushLog(o.PushLog)
	}
	o.PushLog = o.Evidence.PushLog.Table()
	if o.Levels == nil {
		l := pipelines.DefaultLevelRules()
		o.Levels = &l
	}
}

// Run reconciles and stores the results; it returns them in catalog
// order.
func (r *Reconciler) Run(ctx context.Context, o Options) ([]*Result, error) {
	o.defaults()
	lo, hi := o.dayBounds()
	if o.OnceAt.IsZero() {
		o.OnceAt = lo
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reconcile: begin: %w", err)
	}
	defer tx.Rollback()
	out, err := r.compute(ctx, tx, o, lo, hi)
	if err != nil {
		return nil, err
	}
	// A clock found off is a warning for people, not a verdict: the
	// results stand as the configured offsets make them.
	t0 := time.Now()
	drifts, err := r.CheckClocks(ctx, tx, o, lo, hi)
	o.Logger.Debug("clock check", "took", time.Since(t0).Round(time.Millisecond).String())
	if err != nil {
		o.Logger.Warn("reconcile: the clock check failed", "err", err)
	} else {
		for _, d := range drifts {
			o.Logger.Warn("reconcile: " + d.String())
		}
	}
	t0 = time.Now()
	if err := r.store(ctx, tx, o, out); err != nil {
		return nil, err
	}
	o.Logger.Debug("stored", "results", len(out), "took", time.Since(t0).Round(time.Millisecond).String())
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("reconcile: commit: %w", err)
	}
	return out, nil
}

// compute reconciles the selected windows ending in (lo, hi] without
// storing anything, reading through wh.
func (r *Reconciler) compute(ctx context.Context, wh warehouse.Querier, o Options, lo, hi time.Time) ([]*Result, error) {
	trusted, err := r.trustedSources(ctx, wh)
	if err != nil {
		return nil, err
	}
	if o.snapTables, err = trustedTables(ctx, wh, trusted); err != nil {
		return nil, err
	}
	t0 := time.Now()
	history, err := r.pushLogBegins(ctx, wh, o)
	if err != nil {
		return nil, err
	}
	if history.present {
		if history.around, err = r.pushesAround(ctx, wh, o, lo, hi); err != nil {
			return nil, err
		}
	}
	o.Logger.Debug("push log begins", "took", time.Since(t0).Round(time.Millisecond).String())
	t0 = time.Now()
	err = r.inferRetention(ctx, wh, o, lo, history)
	o.Logger.Debug("retention inferred", "took", time.Since(t0).Round(time.Millisecond).String())
	if err != nil {
		// judged without it: a purged window is then charged, as before
		// retentions were inferred; the log says why.
		o.Logger.Warn("reconcile: no front-end retention inferred", "err", err)
	}
	var out []*Result
	for i := range r.cat.Resources {
		res := &r.cat.Resources[i]
		if !o.selects(res) {
			continue
		}
		ws, sch, err := windows(res, o, lo, hi)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		tgt, ok := r.cat.Target(res.Target)
		if !ok {
			return nil, fmt.Errorf("reconcile %s: unknown target %q", res.ID(), res.Target)
		}
		p, err := r.plan(ctx, wh, res, tgt, o, history)
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", res.ID(), err)
		}
		var rs []*Result
		if why, bad := o.EvidenceErrors[res.ID()]; bad {
			for _, w := range ws {
				x := newResult(res, w, sch, o.Now)
				x.Facts.Unverifiable, x.note = true, why
				rs = append(rs, x)
			}
		} else if tcol, rest, ok := bucketed(res); ok && !o.PerWindow && len(ws) > 1 {
			if rs, err = r.windowsSet(ctx, wh, res, ws, sch, o, trusted, p, setSourceSQL(res, tcol, rest), nil); err != nil {
				return nil, fmt.Errorf("reconcile %s: %w", res.ID(), err)
			}
		} else if _, _, ok := joinable(res); ok && !o.PerWindow && len(ws) > 1 {
			if rs, err = r.windowsJoined(ctx, wh, res, ws, sch, o, trusted, p); err != nil {
				return nil, fmt.Errorf("reconcile %s: %w", res.ID(), err)
			}
		} else {
			for _, w := range ws {
				x, err := r.window(ctx, wh, res, w, sch, o, trusted, p)
				if err != nil {
					return nil, fmt.Errorf("reconcile %s %s: %w", res.ID(), w, err)
				}
				rs = append(rs, x)
			}
		}
		if res.Mode == pipelines.ModeRows {
			matchAcrossBoundaries(rs)
		}
		if err := r.markStaleAround(ctx, wh, res, sch, o, rs, trusted, p); err != nil {
			return nil, err
		}
		for _, x := range rs {
			x.judge(o.Levels)
		}
		o.Logger.Debug("reconciled", "resource", res.ID(), "windows", len(rs), "took", time.Since(t0).Round(time.Millisecond).String())
		out = append(out, rs...)
	}
	if (o.Target == "" && o.Cadence == "") || o.Target == pipelines.StatsTarget {
		t0 := time.Now()
		rs, err := r.stats(ctx, wh, o, lo, hi, trusted)
		o.Logger.Debug("stats", "took", time.Since(t0).Round(time.Millisecond).String())
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	if (o.Target == "" && o.Cadence == "") || o.Target == pipelines.SourceTarget {
		rs, err := r.anomalies(ctx, wh, o, lo, hi, trusted, out)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// windows lists the windows of res that end in (lo, hi].
func windows(res *pipelines.Resource, o Options, lo, hi time.Time) ([]pipelines.Window, pipelines.Schedule, error) {
	sch, err := o.Schedules.Of(res.Cadence)
	if err != nil {
		return nil, sch, err
	}
	if !res.Cadence.Periodic() {
		w := pipelines.OneTimeWindow(o.OnceAt)
		if w.End.After(lo) && !w.End.After(hi) && w.Start.Before(o.Now) {
			return []pipelines.Window{w}, sch, nil
		}
		return nil, sch, nil
	}
	all, err := sch.Windows(lo.Add(-res.Cadence.Period()), hi)
	if err != nil {
		return nil, sch, err
	}
	var out []pipelines.Window
	for _, w := range all {
		// windows that have not started by now are not listed at all.
		if w.End.After(lo) && !w.End.After(hi) && w.Start.Before(o.Now) {
			out = append(out, w)
		}
	}
	return out, sch, nil
}

// trustedSources returns the sources whose latest snapshot succeeded, with
// the time the data are complete to: the snapshot time less the replica
// lag it recorded (the view audit.trusted_sources).
func (r *Reconciler) trustedSources(ctx context.Context, wh warehouse.Querier) (map[string]time.Time, error) {
	out, err := warehouse.TimesByName(ctx, wh, `SELECT source, complete_to FROM audit.trusted_sources`)
	if err != nil {
		return nil, fmt.Errorf("read snapshot status: %w", err)
	}
	return out, nil
}

// sourcesOf returns the source schemas a query reads (biz, stats, …).
func sourcesOf(q string) []string {
	var out []string
	for _, s := range []string{"biz.", "stats.", "exchange."} {
		if strings.Contains(q, s) {
			out = append(out, strings.TrimSuffix(s, "."))
		}
	}
	return out
}

// judge gives x the verdict of its facts, its fault level and detail.
func (x *Result) judge(levels *pipelines.LevelRules) {
	x.Status = pipelines.Classify(x.Facts)
	x.FaultLevel = levels.Level(x.Status, x.Facts)
	x.Detail = detail(x)
}

func detail(x *Result) string {
	if x.Status == pipelines.StatusUnverifiable && x.note != "" {
		return x.note // the evidence, not the source, is what failed
	}
	d := verdictDetail(x)
	if x.Facts.Changed > 0 && x.Status != pipelines.StatusPending {
		if d != "" {
			d += "；"
		}
		d += fmt.Sprintf("%d 条推送后源数据已变更，未比对其值", x.Facts.Changed)
	}
	if x.note != "" {
		if d != "" {
			d += "；"
		}
		d += x.note
	}
	return d
}

func verdictDetail(x *Result) string {
	f := x.Facts
	switch x.Status {
	case pipelines.StatusOK:
		return ""
	case pipelines.StatusPending:
		return "截止 " + x.Deadline.Format("2006-01-02 15:04") + " 前未完成"
	case pipelines.StatusMissed:
		return fmt.Sprintf("应推 %d 条，无推送记录", f.Expected)
	case pipelines.StatusStale:
		if f.Silent {
			return "连续多个窗口无推送（交换系统心跳中断）"
		}
		return "连续多个窗口无推送"
	case pipelines.StatusFailed:
		if f.Succeeded == 0 {
			return "推送日志记录失败"
		}
		return fmt.Sprintf("日志称已推 %d 条，目标仅收到 %d 条", f.Claimed, f.Received)
	case pipelines.StatusDuplicate:
		return fmt.Sprintf("%d 个主键重复接收", f.Duplicate)
	case pipelines.StatusShort:
		return fmt.Sprintf("缺 %d 条", f.Missing)
	case pipelines.StatusExcess:
		return fmt.Sprintf("多 %d 条", f.Extra)
	case pipelines.StatusMismatch:
		return fmt.Sprintf("%d 条数值不一致", f.Mismatched)
	case pipelines.StatusLate:
		return "完成于 " + f.LastFinish.Format("2006-01-02 15:04:05") + "，晚于截止 " + x.Deadline.Format("15:04")
	case pipelines.StatusUnverifiable:
		return "源库快照不可信，无法核验"
	case pipelines.StatusAnomaly:
		return fmt.Sprintf("%d 条，偏离前几周同期中位数 %d", f.Received, f.Expected)
	}
	return ""
}
