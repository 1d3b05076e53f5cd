// Package ledger owns the reconciliation ledger of the warehouse: the
// tables audit.results, audit.result_keys and audit.findings. It is the one
// package that writes them, through typed stores (Results.Save,
// Findings.Record, Findings.Resolve, Findings.Ack), and the way readers get
// them back (Results.ForDay, Results.LatestRun, Findings.Touching, …).
//
// Every store works over a warehouse.Querier, the warehouse's *sql.DB or a
// transaction of it: a reconciliation stores its results, keys and findings
// in the transaction it read the warehouse in. Times are bound with
// warehouse.Timestamp and read back with warehouse.FromWall (see the time
// convention of package warehouse), and every value is a bound parameter.
//
// audit.runs and audit.reports are written by package warehouse (BeginRun,
// Finish, RecordReport), the snapshot tables by package snapshot.
package ledger

import (
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Span is a range of window ends: a result or finding is in it when its
// window ends in (From, To]. A day is Span{D 00:00, D+1 00:00} (see Day): the
// window [23:50, 00:00) is the last of its day, a daily_after_2300 window
// [D-1 23:00, D 23:00) is D's. The view audit.latest_results and the macro
// audit.window_day of the warehouse DDL follow the same rule.
type Span struct {
	From, To time.Time
}

// endsIn is the SQL condition "col ends in the span", with its two
// parameters.
func (s Span) endsIn(col string) (string, []any) {
	return col + ` > ? AND ` + col + ` <= ?`, []any{warehouse.Timestamp(s.From), warehouse.Timestamp(s.To)}
}

// Day is the span of the calendar day of t in Asia/Shanghai.
func Day(t time.Time) Span {
	d := pipelines.DayStart(t)
	return Span{From: d, To: d.AddDate(0, 0, 1)}
}
