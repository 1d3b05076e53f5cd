package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// How the rows a target received are assigned to windows.
const (
	// receiveByBatch: the front-end table carries the push's batch_id; a
	// window received the rows of its push-log batches.
	receiveByBatch = "batch"
	// receiveByColumn: the resource's window_column (site catalog) assigns
	// each row to the window its time falls in.
	receiveByColumn = "window_column"
	// receiveByKey: neither; a window received the rows whose key the
	// source gives for it, over the whole table (extras cannot be found).
	receiveByKey = "key"
)

// sitePlan is how one resource is reconciled at this site: how received
// rows are found, whether there is a push log, the empty-push convention
// and the span of time its evidence covers.
type sitePlan struct {
	receive   string
	windowCol string // the time expression of receiveByColumn, clock corrected, over alias r
	// noPushLog: the target has no push log; the claim is unknown.
	noPushLog bool
	// emptyNotLogged: a window with nothing to push has no push-log entry.
	emptyNotLogged bool
	// logFrom: the first window the push log covers for the resource's
	// cadence (zero: none); windows starting before it are unverifiable.
	logFrom time.Time
	// firstPush: the first window the push log holds a push of the
	// resource for (zero: none, or no push log).
	firstPush time.Time
	// around: the run's push-log batch counts around its range (nil: not
	// read), for stale runs.
	around *pushCounts
	// keptFrom: the front-end database keeps rows of windows ending after
	// it (retention); zero: no limit.
	keptFrom  time.Time
	retention time.Duration
	inferred  bool // keptFrom was inferred from the data (inferRetention)
}

// plan decides the sitePlan of res.
func (r *Reconciler) plan(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, tgt *pipelines.Target, o Options, h *logHistory) (sitePlan, error) {
	p := sitePlan{receive: receiveByBatch, noPushLog: o.Evidence.NoPushLog[res.Target]}
	if !p.noPushLog {
		p.logFrom, p.firstPush, p.around = h.begins[res.Cadence], h.first[res.ID()], h.around
	}
	if d := o.Evidence.Retention[res.Target]; d > 0 {
		p.retention = d
		p.keptFrom = o.Now.Add(-d)
	} else if at, ok := h.kept[pipelines.EvidenceTable(res, tgt)]; ok {
		p.keptFrom, p.retention, p.inferred = at, o.Now.Sub(at), true
	}
	if res.Mode == pipelines.ModeReceipt {
		return p, nil
	}
	switch {
	case res.WindowColumn != "":
		p.receive = receiveByColumn
		p.windowCol = "r." + warehouse.QuoteIdent(res.WindowColumn)
		if off := o.Evidence.ClockOffset(res.Target); off != 0 {
			p.windowCol = fmt.Sprintf("(%s - to_microseconds(%d))", p.windowCol, off.Microseconds())
		}
	case !h.batched[pipelines.EvidenceTable(res, tgt)] || p.noPushLog:
		p.receive = receiveByKey
	}
	if h.present && !p.noPushLog && res.Cadence.Periodic() {
		n := h.pushes[res.ID()]
		p.emptyNotLogged = pipelines.EmptyNotLogged(o.Evidence.EmptyPushes, n[0], n[1], o.Evidence.PushLog.Rows == pipelines.RowsPerRecord)
	}
	return p, nil
}

// pushLogBegins is, per cadence, the first window start the push log
// holds for a resource of that cadence (none when it holds none), and
// whether the warehouse holds the push log at all (a run of media copies
// only may have none). The exchange's pushes of a cadence begin on some
// day: before it there is no evidence of that cadence's windows.
func (r *Reconciler) pushLogBegins(ctx context.Context, wh warehouse.Querier, o Options) (*logHistory, error) {
	h := &logHistory{begins: map[pipelines.Cadence]time.Time{}, pushes: map[string][2]int64{}, batched: map[string]bool{},
		first: map[string]time.Time{}, firstOfRows: map[string]time.Time{}}
	brows, err := wh.QueryContext(ctx, `SELECT table_schema || '.' || table_name FROM information_schema.columns WHERE column_name = ?`, pipelines.EvidenceBatchID)
	if err != nil {
		return nil, fmt.Errorf("read the warehouse's columns: %w", err)
	}
	for brows.Next() {
		var t string
		if err := brows.Scan(&t); err != nil {
			brows.Close()
			return nil, err
		}
		h.batched[t] = true
	}
	brows.Close()
	if err := brows.Err(); err != nil {
		return nil, err
	}
	cols, err := columnsOf(ctx, wh, o.PushLog)
	if err != nil || len(cols) == 0 {
		return h, err
	}
	h.present = true
	rows, err := wh.QueryContext(ctx, `SELECT target, resource, min(window_start), count(*), count(*) FILTER (WHERE rows_sent = 0),
  min(window_start) FILTER (WHERE status = 'success' AND rows_sent > 0)
FROM `+o.pushLog()+` GROUP BY target, resource`)
	if err != nil {
		return nil, fmt.Errorf("read push log %s: %w", o.PushLog, err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, resource string
		var first, firstOfRows sql.NullTime
		var n, empty int64
		if err := rows.Scan(&target, &resource, &first, &n, &empty, &firstOfRows); err != nil {
			return nil, err
		}
		res, ok := r.cat.Resource(target, resource)
		if !ok {
			continue
		}
		h.pushes[res.ID()] = [2]int64{n, empty}
		if firstOfRows.Valid {
			h.firstOfRows[res.ID()] = warehouse.NullTime(firstOfRows)
		}
		if !first.Valid {
			continue
		}
		t := warehouse.NullTime(first)
		h.first[res.ID()] = t
		if old, seen := h.begins[res.Cadence]; !seen || t.Before(old) {
			h.begins[res.Cadence] = t
		}
	}
	return h, rows.Err()
}

// logHistory is what the push log says as a whole, read once per run.
type logHistory struct {
	present bool                            // the warehouse holds the push log
	begins  map[pipelines.Cadence]time.Time // first window start per cadence
	pushes  map[string][2]int64             // per resource ID: pushes, of which of 0 rows
	// per resource ID: the first window start logged, and the first of a
	// successful push of rows (none: no entry)
	first, firstOfRows map[string]time.Time
	around             *pushCounts          // batch counts around the run's range (pushesAround)
	batched            map[string]bool      // the warehouse tables (source.table) with a batch_id column
	kept               map[string]time.Time // per front-end table: kept from, as inferred (inferRetention)
}

// outside says why window w lies outside the evidence of plan p ("" when
// it does not): before the push log begins, or older than the front-end
// database keeps.
func (p sitePlan) outside(w pipelines.Window) string {
	switch {
	case !p.logFrom.IsZero() && w.Start.Before(p.logFrom):
		return "推送日志始于 " + p.logFrom.In(pipelines.Shanghai).Format("2006-01-02 15:04") + "，此窗口早于证据起点，无法核验"
	case p.inferred && w.Start.Before(p.keptFrom): // kept from a window's start: its first held push
		return fmt.Sprintf("目标前置机各表最早仅存 %s 起的推送（推断保留期约 %d 天，可在 evidence.retention 中配置），此窗口已超出保留期，无法核验",
			p.keptFrom.In(pipelines.Shanghai).Format("2006-01-02 15:04"), int(p.retention/(24*time.Hour)))
	case !p.keptFrom.IsZero() && w.End.Before(p.keptFrom):
		return fmt.Sprintf("目标前置机仅保留 %s以内的数据，此窗口已超出保留期，无法核验", retentionZH(p.retention))
	}
	return ""
}

func retentionZH(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d 天", d/(24*time.Hour))
	}
	return d.String()
}

// note is what the detail of a judged window says about how it was
// reconciled, when that is not the usual way.
func (p sitePlan) note() string {
	var s string
	switch p.receive {
	case receiveByColumn:
		// by a time column: as good as a batch id for keys; no note.
	case receiveByKey:
		s = "目标表无批次号与时间列，按主键在整表滚动核对（无法发现多推）"
	}
	if p.noPushLog {
		if s != "" {
			s += "；"
		}
		s += "无推送日志，推送方声明未知（仅核对源端与目标端）"
	}
	return s
}

// matchAcrossBoundaries settles the rows that crossed a window boundary:
// a key missing from one window and extra in a neighbouring one (pushed
// with the next window's batch, or the previous one's) arrived; neither
// window is short or excess for it. The window that lacked it counts it
// received, and late when the neighbour's push finished after its
// deadline. rs are consecutive windows of one resource of rows mode.
func matchAcrossBoundaries(rs []*Result) {
	extras := make([]map[string]bool, len(rs))
	for i, x := range rs {
		for _, k := range x.keys {
			if k.kind == "extra" {
				if extras[i] == nil {
					extras[i] = map[string]bool{}
				}
				extras[i][k.key] = true
			}
		}
	}
	moved := make([]map[string]bool, len(rs)) // keys leaving window i's extras
	for i, x := range rs {
		if x.Facts.Unverifiable || x.Facts.Missing == 0 {
			continue
		}
		kept := x.keys[:0:0]
		for _, k := range x.keys {
			j := -1
			if k.kind == "missing" {
				for _, n := range []int{i + 1, i - 1} {
					if n >= 0 && n < len(rs) && !rs[n].Facts.Unverifiable && extras[n][k.key] {
						j = n
						break
					}
				}
			}
			if j < 0 {
				kept = append(kept, k)
				continue
			}
			delete(extras[j], k.key)
			if moved[j] == nil {
				moved[j] = map[string]bool{}
			}
			moved[j][k.key] = true
			y := rs[j]
			x.Facts.Missing--
			x.Facts.Received++
			y.Facts.Extra--
			y.Facts.Received--
			// the neighbour's push claimed the row: the claim moves with it.
			if y.Facts.Claimed > 0 {
				y.Facts.Claimed--
				x.Facts.Claimed++
			}
			if y.Facts.LastFinish.After(x.Facts.LastFinish) {
				x.Facts.LastFinish = y.Facts.LastFinish
			}
			x.crossed++
		}
		x.keys = kept
	}
	for j, m := range moved {
		if len(m) == 0 {
			continue
		}
		kept := rs[j].keys[:0:0]
		for _, k := range rs[j].keys {
			if k.kind == "extra" && m[k.key] {
				continue
			}
			kept = append(kept, k)
		}
		rs[j].keys = kept
	}
	for _, x := range rs {
		if x.crossed > 0 {
			x.addNote(fmt.Sprintf("%d 条跨窗口边界，随相邻窗口批次到达", x.crossed))
		}
	}
}

// addNote adds a line to the window's note.
func (x *Result) addNote(s string) {
	if x.note != "" {
		x.note += "；"
	}
	x.note += s
}

// expectedAround counts the rows the source gives each window of ws (the
// windows around a range, judged for staleness when the exchange logs no
// empty push), by window start.
func (r *Reconciler) expectedAround(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, ws []pipelines.Window, sch pipelines.Schedule) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ws) == 0 {
		return out, nil
	}
	if tcol, rest, ok := bucketed(res); ok {
		q := `SELECT __w, count(*) FROM (` + setSourceSQL(res, tcol, rest) + `) GROUP BY __w`
		a := bucketArgs(sch).with(args{"lo": ws[0].Start, "hi": ws[len(ws)-1].End})
		rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
		if err != nil {
			return nil, fmt.Errorf("count source rows: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var w sql.NullTime
			var n int64
			if err := rows.Scan(&w, &n); err != nil {
				return nil, err
			}
			out[warehouse.FromWall(w.Time).Unix()] = n
		}
		return out, rows.Err()
	}
	src, err := named(res.SourceSQL())
	if err != nil {
		return nil, err
	}
	q := "SELECT count(*) FROM (" + src + ")"
	for _, w := range ws {
		a := windowArgs(w, w.End).with(resourceArgs(res))
		var n int64
		if err := wh.QueryRowContext(ctx, q, a.bind(q)...).Scan(&n); err != nil {
			return nil, fmt.Errorf("count source rows: %w", err)
		}
		out[w.Start.Unix()] = n
	}
	return out, nil
}

// columnsOf lists the columns of the warehouse table source.table (none
// when it is not there).
func columnsOf(ctx context.Context, wh warehouse.Querier, table string) (map[string]bool, error) {
	s, t, ok := strings.Cut(table, ".")
	if !ok {
		s, t = "main", table
	}
	rows, err := wh.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?`, s, t)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// noteSite marks a judged window with how the site's evidence made it
// reconciled (p.note) and whether its claim is known.
func (x *Result) noteSite(p sitePlan) {
	x.noClaim = p.noPushLog
	x.Facts.NoClaim = p.noPushLog
	if n := p.note(); n != "" {
		x.addNote(n)
	}
}
