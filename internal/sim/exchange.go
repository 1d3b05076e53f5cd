package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// job is one scheduled push of a resource's window.
type job struct {
	res      *pipelines.Resource
	w        pipelines.Window
	deadline time.Time
	started  time.Time
	duration time.Duration
}

func (j *job) key() string { return j.res.Target + "/" + j.res.Key + "/" + rfc(j.w.Start) }

// jobs lays out every push the exchange has started and finished by the
// simulated clock, in time order.
func (s *simulation) jobs() ([]*job, error) {
	r := s.rng(1)
	var out []*job
	for i := range s.o.Catalog.Resources {
		res := &s.o.Catalog.Resources[i]
		if !res.Cadence.Periodic() && res.Cadence != pipelines.Once {
			continue // a media copy has no push
		}
		sch, err := s.o.Schedules.Of(res.Cadence)
		if err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		switch {
		case res.Cadence.Periodic():
			ws, err := sch.Windows(s.o.Start.Add(-res.Cadence.Period()), s.asOf)
			if err != nil {
				return nil, err
			}
			for _, w := range ws {
				if !w.End.After(s.o.Start) {
					continue
				}
				j := &job{res: res, w: w, deadline: sch.Deadline(w)}
				if res.Cadence == pipelines.DailyAfter2300 {
					j.started = w.End.Add(minutes(r, 5, 40))
					j.duration = time.Duration(10+r.IntN(110)) * time.Second
				} else {
					j.started = w.End.Add(time.Duration(20+r.IntN(200)) * time.Second)
					j.duration = time.Duration(1+r.IntN(15)) * time.Second
				}
				j.started = j.started.Truncate(time.Second)
				if j.started.Add(j.duration).After(s.asOf) {
					continue // not run yet at the simulated clock
				}
				out = append(out, j)
			}
		case res.Cadence == pipelines.Once:
			w := pipelines.OneTimeWindow(s.o.Start)
			out = append(out, &job{res: res, w: w, deadline: sch.Deadline(w),
				started: s.o.Start.Add(2*time.Hour + time.Duration(r.IntN(600))*time.Second), duration: time.Duration(5+r.IntN(60)) * time.Second})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].started.Before(out[b].started) })
	return out, nil
}

type pushFault struct {
	n    int
	kind FaultKind
	rows int64 // the window's expected rows, counted when planned
}

type downPeriod struct {
	n        int
	target   string
	from, to time.Time
}

type plan struct {
	jobs    []*job
	push    map[string]*pushFault
	down    []downPeriod
	stats   []int // fault numbers of statistics drifts
	once    []int // fault numbers of one-time drifts
	entries []ManifestEntry
	records []FaultRecord
}

func (p *plan) add(e ManifestEntry) { p.entries = append(p.entries, e) }

func (p *plan) manifest(s *simulation) Manifest {
	// one entry per target × resource × window.
	seen := map[string]bool{}
	var es []ManifestEntry
	for _, e := range p.entries {
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		if seen[k] {
			continue
		}
		seen[k] = true
		es = append(es, e)
	}
	sort.Slice(es, func(a, b int) bool {
		if es[a].Target != es[b].Target {
			return es[a].Target < es[b].Target
		}
		if es[a].Resource != es[b].Resource {
			return es[a].Resource < es[b].Resource
		}
		return es[a].WindowStart < es[b].WindowStart
	})
	sort.Slice(p.records, func(a, b int) bool { return p.records[a].N < p.records[b].N })
	return Manifest{Seed: s.o.Seed, Start: s.o.Start.Format(time.DateOnly), Days: s.o.Days, AsOf: rfc(s.asOf),
		Faults: s.o.Faults, Entries: es, Injected: p.records}
}

// minRows is how many rows a window needs for a fault of kind k to show.
func minRows(k FaultKind) int64 {
	switch k {
	case FaultPartial, FaultLostAtTarget:
		return 2
	}
	return 1
}

// planFaults deals the faults: kinds in a fixed rotation (so any 9 or more
// faults cover every kind), places and windows drawn from the seed.
func (s *simulation) planFaults(ctx context.Context) (*plan, error) {
	jobs, err := s.jobs()
	if err != nil {
		return nil, err
	}
	p := &plan{jobs: jobs, push: map[string]*pushFault{}}
	if s.o.Faults == 0 {
		return p, nil
	}
	r := s.rng(2)
	rot := r.IntN(len(FaultKinds))
	kinds := make([]FaultKind, s.o.Faults)
	for i := range kinds {
		kinds[i] = FaultKinds[(i+rot)%len(FaultKinds)]
	}
	// Target-down periods first, so the other faults keep clear of them.
	reserved := map[string]bool{}
	for i, k := range kinds {
		if k != FaultTargetDown {
			continue
		}
		if err := s.planDown(r, p, i+1, reserved); err != nil {
			return nil, err
		}
	}
	var candidates []*job
	for _, j := range jobs {
		if (j.res.Mode == pipelines.ModeRows || j.res.Mode == pipelines.ModeMeasures) && j.res.Cadence.Periodic() &&
			!j.w.Start.Before(s.o.Start.Add(-24*time.Hour)) && !j.deadline.Add(2*time.Hour).After(s.asOf) {
			h := j.w.Start.In(pipelines.Shanghai).Hour()
			if j.res.Cadence != pipelines.DailyAfter2300 && (h < 8 || h >= 20) {
				continue
			}
			candidates = append(candidates, j)
		}
	}
	// A window drawn again, for this fault or another, is not counted again.
	counted := map[*job]int64{}
	for i, k := range kinds {
		n := i + 1
		switch k {
		case FaultTargetDown:
			continue
		case FaultStatsDrift:
			p.stats = append(p.stats, n)
			continue
		case FaultOnceDrift:
			p.once = append(p.once, n)
			continue
		}
		placed := false
		for try := 0; try < 200 && !placed && len(candidates) > 0; try++ {
			j := candidates[r.IntN(len(candidates))]
			if reserved[j.key()] {
				continue
			}
			rows, ok := counted[j]
			if !ok {
				if rows, err = s.countWindow(ctx, j); err != nil {
					return nil, err
				}
				counted[j] = rows
			}
			if rows < minRows(k) {
				continue
			}
			reserved[j.key()] = true
			p.push[j.key()] = &pushFault{n: n, kind: k, rows: rows}
			p.records = append(p.records, FaultRecord{N: n, Kind: k, Target: j.res.Target, Resource: j.res.Key, From: rfc(j.w.Start), To: rfc(j.w.End)})
			placed = true
		}
		if !placed {
			return nil, fmt.Errorf("sim: could not place fault %d (%s): no window with enough rows; try more --cases-per-day or fewer --faults", n, k)
		}
	}
	return p, nil
}

// planDown places one target-down period of 3 hours on a target with
// sub-daily resources, clear of the other periods.
func (s *simulation) planDown(r *rand.Rand, p *plan, n int, reserved map[string]bool) error {
	var targets []string
	for _, t := range s.o.Catalog.Targets {
		for _, res := range s.o.Catalog.ResourcesOf(t.Key) {
			if res.Cadence.Periodic() && res.Cadence != pipelines.DailyAfter2300 {
				targets = append(targets, t.Key)
				break
			}
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("sim: fault %d (%s): no target has sub-daily resources", n, FaultTargetDown)
	}
	const length = 3 * time.Hour
	for try := 0; try < 500; try++ {
		t := targets[r.IntN(len(targets))]
		day := s.o.Start.AddDate(0, 0, r.IntN(s.o.Days))
		from := day.Add(time.Duration(1+r.IntN(18)) * time.Hour)
		to := from.Add(length)
		if to.Add(3 * time.Hour).After(s.asOf) {
			continue
		}
		clash := false
		for _, d := range p.down {
			if d.target == t && from.Before(d.to.Add(3*time.Hour)) && d.from.Before(to.Add(3*time.Hour)) {
				clash = true
			}
		}
		if clash {
			continue
		}
		p.down = append(p.down, downPeriod{n: n, target: t, from: from, to: to})
		p.records = append(p.records, FaultRecord{N: n, Kind: FaultTargetDown, Target: t, From: rfc(from), To: rfc(to)})
		for _, j := range p.jobs {
			if j.res.Target == t && j.res.Cadence.Periodic() && !j.started.Before(from.Add(-90*time.Minute)) && j.started.Before(to.Add(90*time.Minute)) {
				reserved[j.key()] = true
			}
		}
		return nil
	}
	return fmt.Errorf("sim: could not place fault %d (%s): no free period; try more --days or fewer --faults", n, FaultTargetDown)
}

// sourceSQL is the source query of res for window w, evaluated as of the
// window's end, as the exchange pushes it.
func sourceSQL(res *pipelines.Resource, w pipelines.Window) (string, error) {
	q, err := pipelines.Render(res.SourceSQL(), pipelines.WindowParams(w, w.End))
	if err != nil {
		return "", fmt.Errorf("sim: %s: %w", res.ID(), err)
	}
	return q, nil
}

func (s *simulation) countWindow(ctx context.Context, j *job) (int64, error) {
	q, err := sourceSQL(j.res, j.w)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.sql("SELECT COUNT(*) FROM ("+q+") s")).Scan(&n); err != nil {
		return 0, fmt.Errorf("%w: count %s %s: %v", ErrServer, j.res.ID(), j.w, err)
	}
	return n, nil
}

func batchID(j *job, attempt int) string {
	return fmt.Sprintf("%s-%s-%02d-%d", j.w.Start.In(pipelines.Shanghai).Format("20060102T1504"), j.res.Target, j.res.Seq, attempt)
}

func dt3(t time.Time) string { return t.In(pipelines.Shanghai).Format("2006-01-02 15:04:05.000") }

// deliver copies the job's rows into the target's front-end table, tagged
// with the batch, and returns how many arrived. limit < 0 means all.
func (s *simulation) deliver(ctx context.Context, j *job, batch string, arrived time.Time, limit int64) (int64, error) {
	q, err := sourceSQL(j.res, j.w)
	if err != nil {
		return 0, err
	}
	tgt, ok := s.o.Catalog.Target(j.res.Target)
	if !ok {
		return 0, fmt.Errorf("sim: %s: unknown target", j.res.ID())
	}
	cols := make([]string, len(j.res.Columns))
	for i, c := range j.res.Columns {
		cols[i] = c.Name
	}
	// ORDER BY the key makes the auto-increment row ids, and a partial
	// push's rows, the same on every run.
	ins := fmt.Sprintf("INSERT INTO %s.%s (%s, batch_id, arrived_at) SELECT s.*, '%s', TIMESTAMP '%s' FROM (%s) s ORDER BY %s",
		tgt.Database, j.res.Table, strings.Join(cols, ", "), batch, dt3(arrived), q, "s."+strings.Join(j.res.KeyColumns, ", s."))
	if limit >= 0 {
		ins += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.exec(ctx, ins)
}

func (s *simulation) logPush(ctx context.Context, j *job, batch string, rows int64, status, errText string, started, finished time.Time) error {
	var e any
	if errText != "" {
		e = errText
	}
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.push_log (target, resource, window_start, window_end, batch_id, rows_sent, status, error, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quoteIdent(s.names["exchange"])),
		j.res.Target, j.res.Key, dt3(j.w.Start)[:19], dt3(j.w.End)[:19], batch, rows, status, e, dt3(started), dt3(finished))
	if err != nil {
		return fmt.Errorf("%w: push log %s: %v", ErrServer, batch, err)
	}
	s.res.Pushes++
	return nil
}

// exchange runs every push job, applying the planned faults.
func (s *simulation) exchange(ctx context.Context, p *plan) error {
	r := s.rng(3)
	spent := map[string]time.Duration{}
	defer func() {
		type kv struct {
			k string
			d time.Duration
		}
		var top []kv
		for k, d := range spent {
			top = append(top, kv{k, d})
		}
		sort.Slice(top, func(a, b int) bool { return top[a].d > top[b].d })
		for i := 0; i < len(top) && i < 8; i++ {
			s.log.Debug("exchange time by resource", "resource", top[i].k, "spent", top[i].d.Round(time.Millisecond).String())
		}
	}()
	for _, j := range p.jobs {
		t0 := time.Now()
		if err := s.runJob(ctx, p, j, r); err != nil {
			return err
		}
		spent[j.res.ID()] += time.Since(t0)
	}
	return nil
}

// runJob performs one push, or the fault planned for it.
func (s *simulation) runJob(ctx context.Context, p *plan, j *job, r *rand.Rand) error {
	if d, ok := p.downAt(j); ok {
		p.add(ManifestEntry{Target: j.res.Target, Resource: j.res.Key, WindowStart: rfc(j.w.Start), Kind: FaultTargetDown,
			ExpectStatus: FaultTargetDown.ExpectStatus(), Fault: d.n, Detail: fmt.Sprintf("target down %s–%s", rfc(d.from), rfc(d.to))})
		return nil
	}
	f := p.push[j.key()]
	finished := j.started.Add(j.duration)
	if f == nil {
		return s.pushNormal(ctx, j, 1, j.started, finished)
	}
	entry := ManifestEntry{Target: j.res.Target, Resource: j.res.Key, WindowStart: rfc(j.w.Start), Kind: f.kind, ExpectStatus: f.kind.ExpectStatus(), Fault: f.n}
	switch f.kind {
	case FaultMissed:
		entry.Detail = "no push"
	case FaultPartial:
		k := f.rows / 2
		n, err := s.deliver(ctx, j, batchID(j, 1), finished, k)
		if err != nil {
			return err
		}
		if err := s.logPush(ctx, j, batchID(j, 1), n, "success", "", j.started, finished); err != nil {
			return err
		}
		entry.Detail = fmt.Sprintf("pushed %d of %d rows", n, f.rows)
	case FaultDuplicate:
		if err := s.pushNormal(ctx, j, 1, j.started, finished); err != nil {
			return err
		}
		again := finished.Add(minutes(r, 1, 5))
		if err := s.pushNormal(ctx, j, 2, again, again.Add(j.duration)); err != nil {
			return err
		}
		entry.Detail = "window pushed twice"
	case FaultLate:
		start := j.deadline.Add(minutes(r, 5, 90))
		if err := s.pushNormal(ctx, j, 1, start, start.Add(j.duration)); err != nil {
			return err
		}
		entry.Detail = "pushed at " + rfc(start) + ", deadline " + rfc(j.deadline)
	case FaultFailedAsSuccess:
		if err := s.logPush(ctx, j, batchID(j, 1), f.rows, "success", "", j.started, finished); err != nil {
			return err
		}
		entry.Detail = fmt.Sprintf("logged %d rows as sent, none arrived", f.rows)
	case FaultLostAtTarget:
		if err := s.pushNormal(ctx, j, 1, j.started, finished); err != nil {
			return err
		}
		lost, err := s.loseRows(ctx, j, batchID(j, 1), max(1, f.rows/3))
		if err != nil {
			return err
		}
		entry.Detail = fmt.Sprintf("%d of %d rows lost at the target", lost, f.rows)
	}
	p.add(entry)
	return nil
}

func (p *plan) downAt(j *job) (downPeriod, bool) {
	if !j.res.Cadence.Periodic() || j.res.Cadence == pipelines.DailyAfter2300 {
		return downPeriod{}, false
	}
	for _, d := range p.down {
		if d.target == j.res.Target && !j.started.Before(d.from) && j.started.Before(d.to) {
			return d, true
		}
	}
	return downPeriod{}, false
}

func (s *simulation) pushNormal(ctx context.Context, j *job, attempt int, started, finished time.Time) error {
	b := batchID(j, attempt)
	n, err := s.deliver(ctx, j, b, finished, -1)
	if err != nil {
		return err
	}
	return s.logPush(ctx, j, b, n, "success", "", started, finished)
}

// loseRows deletes the first n rows of a batch at the target, as a target
// that lost data would.
func (s *simulation) loseRows(ctx context.Context, j *job, batch string, n int64) (int64, error) {
	tgt, _ := s.o.Catalog.Target(j.res.Target)
	tbl := quoteIdent(s.names[tgt.Database]) + "." + quoteIdent(j.res.Table)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf("SELECT fe_row_id FROM %s WHERE batch_id = ? ORDER BY fe_row_id LIMIT %d", tbl, n), batch)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrServer, err)
	}
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("%w: %v", ErrServer, err)
		}
		ids = append(ids, fmt.Sprint(id))
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE fe_row_id IN (%s)", tbl, strings.Join(ids, ",")))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrServer, err)
	}
	return res.RowsAffected()
}
