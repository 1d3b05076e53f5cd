package reconcile

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// A front-end database may keep rows for a while only; where the config
// names no evidence.retention for a target, the reconciler infers one from
// the data. A purge by age cuts every table of the database at about the
// same moment, and leaves each table without any row of the pushes logged
// before it. So a target's tables are taken as purged when:
//   - at least minPurgedTables of its tables with batch ids hold no row of
//     any push (successful, of rows) logged before their first held one,
//     for at least purgeMinSpan of pushes from the push log's beginning,
//   - the first held pushes of at least minPurgedTables of them lie within
//     purgeMinSpan of the earliest (a daily table's first kept window
//     starts up to a day before a 10-minute table's),
//   - and no table of the target holds a row of a push logged more than
//     purgeMinSpan before them (a table kept longer is not purged).
//
// Each table is then kept from its own first held push, or from the
// latest of the purged tables' if it lacks pushes after that (those are
// charged as usual). An outage at the log's very beginning looks the same
// on one table, or for a few hours; hence the thresholds. A target of one
// table gets no inferred retention: configure it.
const (
	minPurgedTables = 2
	purgeMinSpan    = 24 * time.Hour
)

// heldFrom is, for one table, the first push logged for its resource and
// the first one of which it holds a row (zero: none).
type heldFrom struct {
	table                string
	firstLogged, firstIn time.Time
}

// candidate is a front-end table whose retention may be inferred.
type candidate struct {
	res   *pipelines.Resource
	table string
	first string    // the first push of rows logged for its resource
	at    time.Time // that push's window start
	// when that push started and finished, by the push log
	started, finished time.Time
}

// firstPushes sets the first push of rows logged for every candidate's
// resource. The run's reading of the whole log (h) knows the window of
// each resource's first successful push of rows, so only the entries up to
// the latest of those windows are aggregated: a log of years is not
// aggregated whole a second time. (A struct's minimum orders by its fields
// in turn: the earliest window, then the least batch id; a hash aggregate,
// no sort.)
func firstPushes(ctx context.Context, wh warehouse.Querier, o Options, h *logHistory, cands []*candidate) error {
	byResource := map[[2]string]*candidate{}
	var upTo time.Time
	for _, c := range cands {
		at, ok := h.firstOfRows[c.res.ID()]
		if !ok {
			continue // no push of rows logged: nothing to hold
		}
		byResource[[2]string{c.res.Target, c.res.Key}] = c
		if at.After(upTo) {
			upTo = at
		}
	}
	if len(byResource) == 0 {
		return nil
	}
	a := args{"up_to": upTo}
	q := `SELECT target, resource, f.b, f.w, f.s, f.f FROM (
  SELECT p.target, p.resource, min({'w': p.window_start, 'b': p.batch_id, 's': p.started_at, 'f': p.finished_at}) AS f
  FROM ` + o.pushLogAs("p") + ` WHERE p.window_start <= $up_to AND p.status = 'success' AND p.rows_sent > 0 GROUP BY ALL)`
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return fmt.Errorf("retention: first pushes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, resource, batch string
		var at, started, finished sql.NullTime
		if err := rows.Scan(&target, &resource, &batch, &at, &started, &finished); err != nil {
			return fmt.Errorf("retention: first pushes: %w", err)
		}
		if c := byResource[[2]string{target, resource}]; c != nil {
			c.first, c.at = batch, warehouse.NullTime(at)
			c.started, c.finished = warehouse.NullTime(started), warehouse.NullTime(finished)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("retention: first pushes: %w", err)
	}
	return nil
}

// holdFirstPushes says, for each candidate, whether its table holds the
// first push logged for it: the usual case, for every table in one
// statement and cheaply (an equality on the batch id, whose row groups'
// ranges skip most of a table appended in time order). Where the table
// has arrived_at, only rows that arrived within clockReach of that push
// (past the configured clock offset) are looked at, so a table purged of
// it, or holding years, is not read whole; a row outside them (a clock
// further off) is found by the caller's query of the first push held,
// which then gives the same answer.
func holdFirstPushes(ctx context.Context, wh warehouse.Querier, o Options, cands []*candidate) ([]bool, error) {
	holds := make([]bool, len(cands))
	if len(cands) == 0 {
		return holds, nil
	}
	withArrival, err := tablesWith(ctx, wh, pipelines.EvidenceBatchID, pipelines.EvidenceArrivedAt)
	if err != nil {
		return nil, err
	}
	var union []string
	a := args{}
	for i, c := range cands {
		a[fmt.Sprintf("b%d", i)] = c.first
		cond := fmt.Sprintf("%s = $b%d", warehouse.QuoteIdent(pipelines.EvidenceBatchID), i)
		if withArrival[c.table] && !c.started.IsZero() && !c.finished.IsZero() {
			reach := clockReach + o.Evidence.ClockOffset(c.res.Target).Abs()
			a[fmt.Sprintf("lo%d", i)], a[fmt.Sprintf("hi%d", i)] = c.started.Add(-reach), c.finished.Add(reach)
			arrived := warehouse.QuoteIdent(pipelines.EvidenceArrivedAt)
			cond += fmt.Sprintf(" AND %s >= $lo%d AND %s < $hi%d", arrived, i, arrived, i)
		}
		union = append(union, fmt.Sprintf(`SELECT %d AS i, EXISTS (SELECT 1 FROM %s WHERE %s) AS holds`,
			i, warehouse.QuoteTable(c.table), cond))
	}
	q := strings.Join(union, "\nUNION ALL ")
	rows, err := wh.QueryContext(ctx, q, a.bind(q)...)
	if err != nil {
		return nil, fmt.Errorf("retention: first pushes held: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var held bool
		if err := rows.Scan(&i, &held); err != nil {
			return nil, fmt.Errorf("retention: first pushes held: %w", err)
		}
		holds[i] = held
	}
	return holds, rows.Err()
}

// inferRetention sets h.kept for the targets of the selected resources
// whose front-end tables look purged by age. It looks only when the run
// reaches back more than purgeMinSpan before now: windows younger than
// that are not older than any retention it could infer.
func (r *Reconciler) inferRetention(ctx context.Context, wh warehouse.Querier, o Options, lo time.Time, h *logHistory) error {
	if !h.present || !lo.Before(o.Now.Add(-purgeMinSpan)) {
		return nil
	}
	var cands []*candidate
	for i := range r.cat.Resources {
		res := &r.cat.Resources[i]
		if (o.Target != "" && o.Target != res.Target) || res.Mode == pipelines.ModeReceipt ||
			o.Evidence.NoPushLog[res.Target] || o.Evidence.Retention[res.Target] > 0 {
			continue
		}
		tgt, ok := r.cat.Target(res.Target)
		if !ok {
			continue
		}
		if table := pipelines.EvidenceTable(res, tgt); h.batched[table] {
			cands = append(cands, &candidate{res: res, table: table})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	if err := firstPushes(ctx, wh, o, h, cands); err != nil {
		return err
	}
	var asked []*candidate
	for _, c := range cands {
		if c.first != "" { // else no push of rows logged: nothing to hold
			asked = append(asked, c)
		}
	}
	holds, err := holdFirstPushes(ctx, wh, o, asked)
	if err != nil {
		return err
	}
	perTarget := map[string][]heldFrom{}
	for i, c := range asked {
		if holds[i] {
			perTarget[c.res.Target] = append(perTarget[c.res.Target], heldFrom{c.table, c.at, c.at})
			continue
		}
		// the first push the table holds, if any (the first logged is c.at)
		var in sql.NullTime
		q := fmt.Sprintf(`SELECT min(p.window_start) FILTER (WHERE p.batch_id IN (SELECT CAST(%s AS VARCHAR) FROM %s))
FROM %s WHERE p.target = ? AND p.resource = ? AND p.status = 'success' AND p.rows_sent > 0`,
			warehouse.QuoteIdent(pipelines.EvidenceBatchID), warehouse.QuoteTable(c.table), o.pushLogAs("p"))
		if err := wh.QueryRowContext(ctx, q, c.res.Target, c.res.Key).Scan(&in); err != nil {
			return fmt.Errorf("retention of %s: %w", c.table, err)
		}
		perTarget[c.res.Target] = append(perTarget[c.res.Target], heldFrom{c.table, c.at, warehouse.NullTime(in)})
	}
	for t, tables := range perTarget {
		kept, ok := purgedAt(tables)
		if !ok {
			continue
		}
		if h.kept == nil {
			h.kept = map[string]time.Time{}
		}
		var latest time.Time
		for table, at := range kept {
			h.kept[table] = at
			if at.After(latest) {
				latest = at
			}
		}
		o.Logger.Info("reconcile: front-end retention inferred", "target", t, "tables", len(kept),
			"kept_from", latest.In(pipelines.Shanghai).Format(time.DateTime), "days", int(o.Now.Sub(latest)/(24*time.Hour)))
	}
	return nil
}

// purgedAt decides, by the rules above, whether the tables of one target
// look purged by age, and from when each keeps rows (by table).
func purgedAt(tables []heldFrom) (map[string]time.Time, bool) {
	var purged []heldFrom
	for _, x := range tables {
		if !x.firstIn.IsZero() && x.firstIn.Sub(x.firstLogged) >= purgeMinSpan {
			purged = append(purged, x)
		}
	}
	if len(purged) < minPurgedTables {
		return nil, false
	}
	// The purge: the earliest cut, and the tables cut within a span of it;
	// a table cut later lacks pushes after the purge too (an outage).
	sort.Slice(purged, func(i, j int) bool { return purged[i].firstIn.Before(purged[j].firstIn) })
	first, last, cut := purged[0].firstIn, purged[0].firstIn, 0
	for _, x := range purged {
		if x.firstIn.Sub(first) <= purgeMinSpan {
			last, cut = x.firstIn, cut+1
		}
	}
	if cut < minPurgedTables {
		return nil, false
	}
	kept := map[string]time.Time{}
	for _, x := range tables {
		switch {
		case x.firstIn.IsZero():
			// holds none of its pushes: those before the purge were purged
			// (a one-time push), any after it are charged.
			if x.firstLogged.Before(last) {
				kept[x.table] = last
			}
		case x.firstIn.Before(first.Add(-purgeMinSpan)):
			return nil, false // a table holds older pushes: not a purge by age
		case !x.firstIn.After(x.firstLogged):
			// holds its first push: nothing purged
		case x.firstIn.After(last):
			kept[x.table] = last
		default:
			kept[x.table] = x.firstIn
		}
	}
	return kept, true
}
