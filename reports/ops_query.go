package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// The queries of the operations report. A period's results are the
// windows that end within it, as for a day; of each target × resource ×
// window only the latest result counts (the table macro
// audit.latest_results of the warehouse DDL). A period's findings are
// those of windows that end within it.

// span is the period's window ends.
func (p Period) span() ledger.Span { return ledger.Span{From: p.Start, To: p.End} }

// latestArgs are the bounds (lo, hi] of audit.latest_results and
// audit.latest_daily for the period.
func (p Period) latestArgs() []any {
	return []any{warehouse.Timestamp(p.Start), warehouse.Timestamp(p.End)}
}

// exchRow is the data exchange of one target × resource in the period.
type exchRow struct {
	target, resource                    string
	due, ok, late, missed, other, unver int
	levels                              [5]int // findings by level; 0 = no level
	resolved                            int
	resolveHours                        float64 // sum over resolved findings
}

// loadPeriodFindings returns the findings of the windows that end within
// the period.
func loadPeriodFindings(ctx context.Context, db *sql.DB, p Period) ([]finding, error) {
	fs, err := ledger.NewFindings(db).EndingIn(ctx, p.span())
	if err != nil {
		return nil, fmt.Errorf("findings of %s: %w", p, err)
	}
	return findingsOf(fs), nil
}

// trendCell is one target's complete and judged windows on one day.
type trendCell struct{ complete, judged int }

// outage is a window whose push did not arrive at all.
type outage struct {
	target     string
	start, end time.Time
}

// caseRow is the case flow of one district in one month (from the
// statistics database's per-case counters, by the day of report).
type caseRow struct {
	districtID                                  int64
	district                                    string
	month                                       time.Time
	report, file, dispatch, handle, close, need int64
	ontimeClose                                 int64
}

// addCounts adds the counts of c (a total row).
func (t *caseRow) addCounts(c caseRow) {
	t.report += c.report
	t.file += c.file
	t.dispatch += c.dispatch
	t.handle += c.handle
	t.close += c.close
	t.need += c.need
	t.ontimeClose += c.ontimeClose
}

// tableExists says whether the warehouse holds schema.table.
func tableExists(ctx context.Context, db *sql.DB, schema, table string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`, schema, table).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("table %s.%s: %w", schema, table, err)
	}
	return n > 0, nil
}

// loadCases returns the case flow per district and month, districts in
// the order of their administrative code, and the table it came from:
// the statistics database's per-case counters (stats.case_eval, by day
// of report) when the warehouse holds them, else the business database's
// cases (biz.cases, by time of report; 应结案 = handled, or past the
// handle deadline at asOf; 按期结案 = closed by the close deadline). The
// source is "" when the warehouse holds neither.
func loadCases(ctx context.Context, db *sql.DB, p Period, asOf time.Time) (rows []caseRow, source string, err error) {
	hasEval, err := tableExists(ctx, db, "stats", "case_eval")
	if err != nil {
		return nil, "", err
	}
	hasCases, err := tableExists(ctx, db, "biz", "cases")
	if err != nil {
		return nil, "", err
	}
	names := `SELECT NULL::BIGINT AS id, NULL::VARCHAR AS name, NULL::VARCHAR AS code WHERE false`
	if has, err := tableExists(ctx, db, "biz", "regions"); err != nil {
		return nil, "", err
	} else if has {
		names = `SELECT id, name, code FROM biz.regions WHERE level = 1`
	}
	from, to := warehouse.Timestamp(p.Start), warehouse.Timestamp(p.End)
	var query string
	var args []any
	switch {
	case hasEval:
		source = "stats.case_eval"
		query = `
WITH d AS (` + names + `)
SELECT e.district_id, coalesce(d.name, CAST(e.district_id AS VARCHAR)),
       CAST(date_trunc('month', e.stat_date) AS DATE) AS month,
       sum(e.report_cnt), sum(e.file_cnt), sum(e.dispatch_cnt), sum(e.handle_cnt),
       sum(e.close_cnt), sum(e.need_close_cnt), sum(e.ontime_close_cnt)
FROM stats.case_eval e LEFT JOIN d ON d.id = e.district_id
WHERE e.stat_date >= CAST(? AS DATE) AND e.stat_date < CAST(? AS DATE)
GROUP BY e.district_id, d.name, d.code, month
ORDER BY coalesce(d.code, ''), e.district_id, month`
		args = []any{from, to}
	case hasCases:
		source = "biz.cases"
		query = `
WITH d AS (` + names + `)
SELECT c.district_id, coalesce(d.name, CAST(c.district_id AS VARCHAR)),
       CAST(date_trunc('month', c.report_time) AS DATE) AS month,
       count(*), count(c.file_time), count(c.dispatch_time), count(c.handle_time), count(c.close_time),
       count(*) FILTER (WHERE c.handle_time IS NOT NULL OR c.handle_deadline < ?),
       count(*) FILTER (WHERE c.close_time IS NOT NULL AND c.close_time <= c.close_deadline)
FROM biz.cases c LEFT JOIN d ON d.id = c.district_id
WHERE c.report_time >= ? AND c.report_time < ?
GROUP BY c.district_id, d.name, d.code, month
ORDER BY coalesce(d.code, ''), c.district_id, month`
		args = []any{warehouse.Timestamp(asOf.Truncate(time.Second)), from, to}
	default:
		return nil, "", nil
	}
	q, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, source, fmt.Errorf("case flow of %s from %s: %w", p, source, err)
	}
	defer q.Close()
	for q.Next() {
		var c caseRow
		var m time.Time
		if err := q.Scan(&c.districtID, &c.district, &m, &c.report, &c.file, &c.dispatch, &c.handle,
			&c.close, &c.need, &c.ontimeClose); err != nil {
			return nil, source, fmt.Errorf("case flow of %s from %s: %w", p, source, err)
		}
		c.month = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, pipelines.Shanghai)
		rows = append(rows, c)
	}
	return rows, source, q.Err()
}

// snapRow is the snapshot health of one source in the period.
type snapRow struct {
	source               string
	snapshots, tables    int
	okLoads, failedLoads int
	rows                 int64
	countMismatch        int
	maxLag, avgLag       sql.NullFloat64
	lastOK               sql.NullTime
	anomalies            int64
}

func loadSnapshots(ctx context.Context, db *sql.DB, p Period) ([]snapRow, error) {
	rows, err := db.QueryContext(ctx, `
SELECT source, snapshots, tables, ok_loads, failed_loads, rows_loaded, count_mismatches,
       max_lag_s, avg_lag_s, last_ok, anomalies
FROM audit.snapshot_health(?, ?) ORDER BY source`, warehouse.Timestamp(p.Start), warehouse.Timestamp(p.End))
	if err != nil {
		return nil, fmt.Errorf("snapshots of %s: %w", p, err)
	}
	defer rows.Close()
	var out []snapRow
	for rows.Next() {
		var s snapRow
		if err := rows.Scan(&s.source, &s.snapshots, &s.tables, &s.okLoads, &s.failedLoads, &s.rows,
			&s.countMismatch, &s.maxLag, &s.avgLag, &s.lastOK, &s.anomalies); err != nil {
			return nil, fmt.Errorf("snapshots of %s: %w", p, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// driftInfo is what the warehouse knows of schema drift.
type driftInfo struct {
	checked bool  // a snapshot of the period captured the structure
	changes int64 // the changes detected in the period
	scoped  bool  // changes are limited to the period
	list    []warehouse.DriftChange
}

// loadDrift reads the structure changes the snapshots of the period
// detected (the view audit.schema_drift).
func loadDrift(ctx context.Context, db *sql.DB, p Period) (driftInfo, error) {
	list, captured, err := warehouse.SchemaDrift(ctx, db, p.Start, p.End)
	if err != nil {
		return driftInfo{}, fmt.Errorf("schema drift: %w", err)
	}
	return driftInfo{checked: captured, changes: int64(len(list)), scoped: true, list: list}, nil
}

// reportsWritten returns when the report of each period was first written
// (audit.reports, by period name), and when the warehouse's first run
// started (zero when it has none): reports are due only for periods that
// ended after pushaudit began.
func reportsWritten(ctx context.Context, db *sql.DB) (map[string]time.Time, time.Time, error) {
	out, err := warehouse.ReportsWritten(ctx, db)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("reports written: %w", err)
	}
	start, err := warehouse.FirstRunStart(ctx, db)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("first run: %w", err)
	}
	return out, start, nil
}

// reportDueDays is how long after its period ends a monthly or quarterly
// report is due (pipelines.ReportDueDays).
const reportDueDays = pipelines.ReportDueDays

// dueReport is a monthly or quarterly report the assessment of a period
// expects.
type dueReport struct {
	period  Period
	due     time.Time
	written time.Time // zero: missing
}

// yearly reports whether the report is a yearly one: it is not inside
// any shorter period, so it counts in the period its due date falls in.
func (r dueReport) yearly() bool { return r.period.Kind == PeriodYear }

// assessedAt is the time that places the report in a period: its own
// start, or a yearly report's due date.
func (r dueReport) assessedAt() time.Time {
	if r.yearly() {
		return r.due
	}
	return r.period.Start
}

// dueReports are the monthly and quarterly reports inside p, other than
// p's own, that were due by now and whose period ended after pushaudit's
// first run.
func dueReports(p Period, written map[string]time.Time, firstRun, now time.Time) []dueReport {
	var subs []Period
	for _, m := range p.months() {
		subs = append(subs, Period{Kind: PeriodMonth, Start: m, End: m.AddDate(0, 1, 0), name: m.Format("2006-01")})
	}
	if p.Kind == PeriodYear {
		for q := 1; q <= 4; q++ {
			s := time.Date(p.Start.Year(), time.Month(3*q-2), 1, 0, 0, 0, 0, pipelines.Shanghai)
			subs = append(subs, Period{Kind: PeriodQuarter, Start: s, End: s.AddDate(0, 3, 0), name: fmt.Sprintf("%d-Q%d", s.Year(), q)})
		}
	}
	var out []dueReport
	for _, s := range subs {
		due := s.End.AddDate(0, 0, reportDueDays)
		if s.name == p.name || s.Start.Before(p.Start) || s.End.After(p.End) || due.After(now) ||
			firstRun.IsZero() || !s.End.After(firstRun) {
			continue
		}
		out = append(out, dueReport{period: s, due: due, written: written[s.name]})
	}
	// The previous year's yearly report ("未提供年度服务报告，每有一次扣 1
	// 分"), in the period its due date falls in, if that year ended after
	// the first run.
	prev := p.Start.Year() - 1
	y := Period{Kind: PeriodYear, Start: time.Date(prev, 1, 1, 0, 0, 0, 0, pipelines.Shanghai), name: strconv.Itoa(prev)}
	y.End = y.Start.AddDate(1, 0, 0)
	due := y.End.AddDate(0, 0, reportDueDays)
	if !due.Before(p.Start) && due.Before(p.End) && !due.After(now) && !firstRun.IsZero() && y.End.After(firstRun) {
		out = append(out, dueReport{period: y, due: due, written: written[y.name]})
	}
	return out
}
