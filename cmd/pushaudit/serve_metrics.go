package main

import (
	"sync"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/reconcile"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/snapshot"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// scheduled registers the jobs' intervals with the metrics and forgets
// the jobs no longer scheduled (after a reload).
func (d *daemon) scheduled(jobs []schedule.Job) {
	now := d.clock.Now()
	names := map[string]bool{}
	for _, j := range jobs {
		names[j.Name] = true
		d.metrics.PipelineScheduled(j.Name, interval(j.Spec, now))
	}
	d.mu.Lock()
	old := d.jobNames
	d.jobNames = names
	d.mu.Unlock()
	for name := range old {
		if !names[name] {
			d.metrics.PipelineRemoved(name)
		}
	}
}

// interval is the time between a spec's next two ticks after now.
func interval(s schedule.Spec, now time.Time) time.Duration {
	a := s.Next(now)
	if a.IsZero() {
		return 0
	}
	b := s.Next(a)
	if b.IsZero() {
		return 0
	}
	return b.Sub(a)
}

// judged counts the windows a reconciliation judged, by verdict (pending
// ones are not judged yet).
func (d *daemon) judged(rs []*reconcile.Result) {
	counts := map[pipelines.Status]int{}
	for _, x := range rs {
		if x.Status != pipelines.StatusPending {
			counts[x.Status]++
		}
	}
	for s, n := range counts {
		d.metrics.WindowsJudged(string(s), n)
	}
}

// tableRates keeps each table's load rate in rows per second of wall
// time, from the snapshot's progress events.
type tableRates struct {
	mu sync.Mutex
	m  map[string]float64 // by source.table
}

func (r *tableRates) progress(e snapshot.ProgressEvent) {
	if !e.Done || e.Elapsed <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]float64{}
	}
	r.m[e.Source+"."+e.Table] = float64(e.Rows-e.Resumed) / e.Elapsed.Seconds()
}

// snapshotted records what a snapshot reported: whether each source was
// reached, its replica lag, and the rows and rate of each table loaded.
func (d *daemon) snapshotted(rep *snapshot.Report, rates *tableRates) {
	if rep == nil {
		return
	}
	rates.mu.Lock()
	defer rates.mu.Unlock()
	for _, s := range rep.Sources {
		d.metrics.SourceUp(s.Name, s.Addr != "") // set once the source answered
		if s.ReplicaLag != nil {
			d.metrics.ReplicaLag(s.Name, *s.ReplicaLag)
			d.replicaLag(s.Name, *s.ReplicaLag)
		}
		for _, t := range s.Tables {
			if t.Status == snapshot.StatusOK {
				d.metrics.SnapshotTable(s.Name, t.Name, t.RowsLoaded, rates.m[s.Name+"."+t.Name])
			}
		}
	}
}
