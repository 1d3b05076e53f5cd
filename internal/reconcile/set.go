package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// windowFilterRE matches the usual window filter of a resource: a time
// expression in [:window_start, :window_end), then any other conditions.
var windowFilterRE = regexp.MustCompile(`(?is)^\s*([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\s*>=\s*:window_start\s+AND\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\s*<\s*:window_end\s*(?:AND\s+(.*))?$`)

// bucketed says whether the windows of res can be reconciled in one query:
// the resource filters one time expression on [:window_start, :window_end)
// and uses no other parameter, so each source row belongs to the window its
// time falls in. It returns that time expression and the other conditions.
func bucketed(res *pipelines.Resource) (tcol, rest string, ok bool) {
	if !res.Cadence.Periodic() || (res.Mode != pipelines.ModeRows && res.Mode != pipelines.ModeMeasures) {
		return "", "", false
	}
	m := windowFilterRE.FindStringSubmatch(res.Where)
	if m == nil || m[1] != m[2] || strings.Contains(m[3], ":") {
		return "", "", false
	}
	for _, c := range res.Columns {
		if strings.Contains(c.Expr, ":") {
			return "", "", false
		}
	}
	if strings.Contains(res.From, ":") {
		return "", "", false
	}
	return m[1], m[3], true
}

// bucketSQL is the start of the window a time expression falls in; it
// takes the parameters $period_us and $origin of bucketArgs.
func bucketSQL(expr string) string {
	return "time_bucket(to_microseconds($period_us), " + expr + ", $origin)"
}

// bucketArgs are the parameters of bucketSQL for the windows of sch.
func bucketArgs(sch pipelines.Schedule) args {
	origin := time.Date(2000, 1, 1, 0, 0, 0, 0, pipelines.Shanghai).Add(sch.Align)
	return args{"period_us": sch.Cadence.Period().Microseconds(), "origin": origin}
}

// setSourceSQL is the resource's source query over [$lo, $hi) with the
// window of each row (or group) as __w; it takes the parameters of
// bucketArgs too.
func setSourceSQL(res *pipelines.Resource, tcol, rest string) string {
	bucket := bucketSQL(tcol)
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, c := range res.Columns {
		b.WriteString(c.Expr + " AS " + c.Name + ", ")
	}
	if res.Mode == pipelines.ModeRows && res.ChangedAt != "" {
		b.WriteString("CAST(" + res.ChangedAt + " AS TIMESTAMP) AS " + pipelines.ChangedColumn + ", ")
	}
	b.WriteString(bucket + " AS __w FROM " + res.From)
	fmt.Fprintf(&b, " WHERE %s >= $lo AND %s < $hi", tcol, tcol)
	if rest != "" {
		b.WriteString(" AND (" + rest + ")")
	}
	if res.Mode == pipelines.ModeMeasures {
		b.WriteString(" GROUP BY ")
		for _, c := range res.Dims() {
			b.WriteString(c.Expr + ", ")
		}
		b.WriteString(bucket)
	}
	return b.String()
}

// unverifiable says whether a window of res that reads the source query q
// cannot be judged (pipelines.Trust.Unverifiable): q's sources must be
// complete to the window end; the target's front-end database and the
// push log need a good snapshot, unless the evidence is receipt files.
func unverifiable(res *pipelines.Resource, tgt *pipelines.Target, q string, w pipelines.Window, o Options, trusted map[string]time.Time, p sitePlan) bool {
	t := pipelines.Trust{Snapshots: trusted, Compared: o.comparedKeys(res, q)}
	if res.Mode != pipelines.ModeReceipt {
		ev := res.EvidenceTables(tgt, o.PushLog)
		if p.noPushLog {
			ev = []string{pipelines.EvidenceTable(res, tgt)}
		}
		t.Evidence = o.trustKeys(ev)
	}
	return t.Unverifiable(w)
}

// windowsSet reconciles the windows ws of a resource in two queries: one
// over the push log, one for every count and key of every window. src is
// the resource's source query over all of ws, each row with its window's
// start as __w (setSourceSQL for a bucketed resource, joinedSource for
// others), taking srcArgs. It gives the same facts as window() does one
// window at a time.
func (r *Reconciler) windowsSet(ctx context.Context, wh warehouse.Querier, res *pipelines.Resource, ws []pipelines.Window, sch pipelines.Schedule, o Options, trusted map[string]time.Time, p sitePlan, src string, srcArgs args) ([]*Result, error) {
	tgt, ok := r.cat.Target(res.Target)
	if !ok {
		return nil, fmt.Errorf("unknown target %q", res.Target)
	}
	a := resourceArgs(res).with(bucketArgs(sch)).with(args{"lo": ws[0].Start, "hi": ws[len(ws)-1].End}).with(srcArgs)
	byStart := map[int64]*Result{}
	rs, anyVerifiable := setResults(res, tgt, ws, sch, &o, trusted, p, src, byStart)
	if !anyVerifiable {
		return rs, nil
	}
	// the push log of the range, by window.
	pushLog := o.pushLog()
	if err := countSetBatches(ctx, wh, &o, p, a, pushLog, byStart); err != nil {
		return nil, err
	}
	// one key for the received-by-key join and the diff that reads it
	dk := diffKeyOf(res)
	rcv := p.setReceived(dk, warehouse.QuoteTable(pipelines.EvidenceTable(res, tgt)), pushLog)
	return setKeyDiff(ctx, wh, dk, &o, a, src, rcv, rs, byStart)
}

// rangeBatches is the push-log condition of the batches of the windows
// starting in [$lo, $hi), with the parameters of resourceArgs.
const rangeBatches = `target = $target AND resource = $resource AND window_start >= $lo AND window_start < $hi`

// setResults are the results of the windows ws before they are
// reconciled, in order, each judged unverifiable or not as window()
// judges it, and put in byStart by the Unix time of its start;
// anyVerifiable says whether any is left to reconcile.
func setResults(res *pipelines.Resource, tgt *pipelines.Target, ws []pipelines.Window, sch pipelines.Schedule, o *Options, trusted map[string]time.Time, p sitePlan, src string, byStart map[int64]*Result) (rs []*Result, anyVerifiable bool) {
	for _, w := range ws {
		x := newResult(res, w, sch, o.Now)
		x.Facts.Unverifiable = unverifiable(res, tgt, src, w, *o, trusted, p)
		if why := p.outside(w); why != "" {
			x.Facts.Unverifiable, x.note = true, why
		}
		if !x.Facts.Unverifiable {
			x.noteSite(p)
		}
		anyVerifiable = anyVerifiable || !x.Facts.Unverifiable
		byStart[w.Start.Unix()] = x
		rs = append(rs, x)
	}
	return rs, anyVerifiable
}

// countSetBatches reads the push log (the relation pushLog) of the
// range's windows in one query and adds each batch to the facts of its
// window in byStart, unless that window is unverifiable.
func countSetBatches(ctx context.Context, wh warehouse.Querier, o *Options, p sitePlan, a args, pushLog string, byStart map[int64]*Result) error {
	pq := `SELECT window_start, status, rows_sent, finished_at FROM ` + pushLog + ` WHERE ` + rangeBatches
	if p.noPushLog {
		pq += ` AND FALSE`
	}
	rows, err := wh.QueryContext(ctx, pq, a.bind(pq)...)
	if err != nil {
		return fmt.Errorf("read push log %s: %w", o.PushLog, err)
	}
	for rows.Next() {
		var ws, fin sql.NullTime
		var status string
		var n int64
		if err := rows.Scan(&ws, &status, &n, &fin); err != nil {
			rows.Close()
			return err
		}
		x := byStart[warehouse.FromWall(ws.Time).Unix()]
		if x == nil || x.Facts.Unverifiable {
			continue
		}
		x.addBatch(batch{status: status, rows: n, finished: warehouse.FromWall(fin.Time)})
	}
	rows.Close()
	return rows.Err()
}

// setReceived is the query of the rows the target received over the
// range (table, the evidence table), each with its window's start as __w,
// as the site tells them apart: by the window column, by key (dk's, among
// sk's), or by the batches of the push log (the relation pushLog).
func (p sitePlan) setReceived(dk diffKey, table, pushLog string) string {
	res := dk.res
	// each received row with when it was pushed: its batch's finish, or,
	// where no batch says, its window's end (the earliest it can have been).
	windowEnd := "(__w + to_microseconds($period_us))"
	switch p.receive {
	case receiveByColumn:
		// the window column read through the front end's clock offset, as
		// it assigns the row to a window and as its value is compared.
		return fmt.Sprintf(`SELECT *, %s AS %s FROM (SELECT * REPLACE (%s AS %s), %s AS __w FROM %s r WHERE %s >= $lo AND %s < $hi)`, windowEnd, pushedColumn,
			p.windowCol, warehouse.QuoteIdent(res.WindowColumn), bucketSQL(p.windowCol), table, p.windowCol, p.windowCol)
	case receiveByKey:
		return fmt.Sprintf(`SELECT *, %s AS %s FROM (SELECT r.*, ks.w AS __w FROM %s r JOIN (SELECT DISTINCT w, k FROM sk) ks ON ks.k = %s)`, windowEnd, pushedColumn, table, dk.of("r"))
	default:
		return fmt.Sprintf(`SELECT r.*, pl.__w, pl.%s FROM %s r JOIN (SELECT batch_id, any_value(window_start) AS __w, max(finished_at) AS %s FROM %s WHERE %s GROUP BY batch_id) pl ON pl.batch_id = r.batch_id`, pushedColumn, table, pushedColumn, pushLog, rangeBatches)
	}
}

// setKeyDiff compares the keys and values of the source query src with
// those of the received rows rcv, keys as dk carries them, for every window
// of rs in one query, and adds each differing key to its window in
// byStart, unless that window is unverifiable. It returns rs, or nil when
// the query or a scan fails.
func setKeyDiff(ctx context.Context, wh warehouse.Querier, dk diffKey, o *Options, a args, src, rcv string, rs []*Result, byStart map[int64]*Result) ([]*Result, error) {
	// the form of the diff by the rows the range's pushes claim (a hint of
	// its size: both forms give the same answer).
	var claimed int64
	for _, x := range rs {
		claimed += x.Facts.Claimed
	}
	form := o.diffFormFor(claimed)
	q := dk.query(form, src, rcv, true)
	krows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, fmt.Errorf("key diff: %w\nSQL: %s", err, clip(q))
	}
	defer krows.Close()
	for krows.Next() {
		var w sql.NullTime
		var k keyRow
		if err := krows.Scan(&w, &k.kind, &k.key, &k.occ); err != nil {
			return nil, err
		}
		x := byStart[warehouse.FromWall(w.Time).Unix()]
		if x == nil || x.Facts.Unverifiable {
			continue // a row outside the listed windows (not started yet)
		}
		x.addKey(k)
	}
	return rs, krows.Err()
}
