package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// heartbeat marks the windows rs (of res, consecutive) whose push was due
// while the exchange's heartbeat was silent (Facts.Silent). Only windows
// the heartbeat's snapshot covers are marked: past what it holds, silence
// says nothing. A heartbeat table the warehouse does not hold marks none
// (the snapshot's own report says why).
func (r *Reconciler) heartbeat(ctx context.Context, wh warehouse.Querier, o Options, res *pipelines.Resource, rs []*Result, trusted map[string]time.Time) error {
	h := o.Evidence.Heartbeat
	cols, err := columnsOf(ctx, wh, h.Table)
	if err != nil || !cols[h.Time()] || (h.TargetColumn != "" && !cols[h.TargetColumn]) {
		return err
	}
	held, ok := trusted[h.Source()]
	if !ok || len(rs) == 0 {
		return nil
	}
	var from, to time.Time
	for i, x := range rs {
		if i == 0 || x.Deadline.Before(from) {
			from = x.Deadline
		}
		if x.Deadline.After(to) {
			to = x.Deadline
		}
	}
	at := "h." + warehouse.QuoteIdent(h.Time())
	if off := o.Evidence.ClockOffset(h.Source()); off != 0 {
		at = fmt.Sprintf("(%s - to_microseconds(%d))", at, off.Microseconds())
	}
	q := fmt.Sprintf(`SELECT %[1]s FROM %[2]s h WHERE %[1]s > ? AND %[1]s <= ?`, at, warehouse.QuoteTable(h.Table))
	args := []any{warehouse.Wall(from.Add(-h.Silence())), warehouse.Wall(to)}
	if h.TargetColumn != "" {
		q += " AND CAST(h." + warehouse.QuoteIdent(h.TargetColumn) + " AS VARCHAR) = ?"
		args = append(args, res.Target)
	}
	rows, err := wh.QueryContext(ctx, q+" ORDER BY 1", args...)
	if err != nil {
		return fmt.Errorf("read the heartbeat %s: %w", h.Table, err)
	}
	defer rows.Close()
	var beats []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return fmt.Errorf("read the heartbeat %s: %w", h.Table, err)
		}
		beats = append(beats, warehouse.FromWall(t))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range rs {
		due := !o.Now.Before(x.Deadline)
		x.Facts.Silent = due && !x.Deadline.After(held) && h.Silent(beats, x.Deadline)
	}
	return nil
}
