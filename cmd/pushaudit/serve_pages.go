package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/internal/web"
)

// pageTurnWait bounds how long a status page waits for the daemon's turn
// on the warehouse (a run holds it): after that the page says the
// warehouse is busy.
const pageTurnWait = 3 * time.Second

// mountPages adds the status pages (internal/web) to mux, served on addr.
func (d *daemon) mountPages(mux *http.ServeMux, addr string) error {
	s, err := web.New(web.Options{Warehouse: d.pageHold, Config: d.config, Status: d.pageStatus,
		Now: d.clock.Now, Listen: addr, Logger: d.m.Logger})
	if err != nil {
		return err
	}
	s.Mount(mux)
	d.mu.Lock()
	d.pages = s
	d.mu.Unlock()
	return nil
}

// pageHold runs f on the warehouse for a page: it waits at most
// pageTurnWait (wall time) for the daemon's turn and not at all for
// another process holding the file.
func (d *daemon) pageHold(ctx context.Context, f func(*warehouse.Warehouse) error) error {
	t := time.NewTimer(pageTurnWait)
	defer t.Stop()
	select {
	case d.whTurn <- struct{}{}:
	case <-t.C:
		return fmt.Errorf("%w: %s", web.ErrBusy, d.runningJob())
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.whTurn }()
	return d.openFor(ctx, 0, f)
}

// runningJob names the run in flight, for the busy page's log.
func (d *daemon) runningJob() string {
	if d.sched != nil {
		for _, p := range d.sched.Plan() {
			if p.Running {
				return p.Job
			}
		}
	}
	return "a read"
}

// replicaLag keeps a source's replica lag for the home page.
func (d *daemon) replicaLag(source string, seconds float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lags == nil {
		d.lags = map[string]float64{}
	}
	d.lags[source] = seconds
}

// pageStatus is what the home page shows of the daemon: the last run of
// each job, the next runs and the replica lags.
func (d *daemon) pageStatus() web.Status {
	var st web.Status
	d.mu.Lock()
	for job, o := range d.last {
		r := web.Run{Job: job, Started: o.Started, Finished: o.Finished, OK: o.Err == nil}
		if o.Err != nil {
			r.Error = warehouse.ScrubText(o.Err.Error())
		}
		st.Last = append(st.Last, r)
	}
	st.ReplicaLag = map[string]float64{}
	for k, v := range d.lags {
		st.ReplicaLag[k] = v
	}
	d.mu.Unlock()
	sort.Slice(st.Last, func(i, j int) bool { return st.Last[i].Job < st.Last[j].Job })
	if d.sched != nil {
		for _, p := range d.sched.Plan() {
			st.Next = append(st.Next, web.Next{Job: p.Job, At: p.At, Running: p.Running})
		}
	}
	return st
}
