package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/metrics"
	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/internal/web"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// serveHooks let tests drive serve: a clock of their own, moved when the
// scheduler idles, and the SIGHUP channel.
type serveHooks struct {
	clock  schedule.Clock
	onIdle func(time.Time)
	hup    chan os.Signal
	// listening receives the address /healthz is served on.
	listening func(addr string)
}

// serveOptions are the flags of serve (and of demo --serve).
type serveOptions struct {
	listen     string
	speed      float64
	start, end time.Time // simulated start; end zero: run until stopped
	simulated  bool      // run a clock from start at speed, not the wall clock
	skip       bool      // --clock skip: real time (×speed) while runs work, a jump to the next tick when idle
	configPath string
}

func (m *Main) runServe(ctx context.Context, g *globals, args []string) error {
	var o serveOptions
	var start, clockMode string
	var span time.Duration
	fs := newFlags("serve", "[--config FILE] serve [--listen ADDR] [--clock scaled|skip] [--speed N [--start TIME] [--for DURATION]]\n"+
		"  runs every snapshot, reconciliation and report on its schedule; /healthz and /metrics on --listen;\n"+
		"  SIGTERM or SIGINT stops it (exit 0), SIGHUP reloads the config", m.Stdout)
	fs.StringVar(&o.listen, "listen", "", "address of /healthz and /metrics (default: serve.listen, else "+config.DefaultListen+")")
	fs.Float64Var(&o.speed, "speed", 1, "run a simulated clock N times faster than the wall clock")
	fs.StringVar(&start, "start", "", "simulated clock's start, RFC 3339 (default: the config's now, else the time now)")
	fs.DurationVar(&span, "for", 0, "stop after this much (simulated) time; 0: until a signal")
	fs.StringVar(&clockMode, "clock", "scaled", "simulated clock: scaled (--speed times the wall clock) or skip (--speed times the wall clock while a run works, a jump to the next tick when idle)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.speed < 1 {
		return usagef("serve: --speed %v is below 1", o.speed)
	}
	if span < 0 {
		return usagef("serve: --for %s is negative", span)
	}
	switch clockMode {
	case "scaled":
	case "skip":
		o.skip = true
	default:
		return usagef("serve: --clock %q is not scaled or skip", clockMode)
	}
	c, err := g.loadConfig()
	if err != nil {
		return err
	}
	o.configPath = g.configPath
	o.start = clock(c)
	o.simulated = o.speed != 1 || c.Now != "" || start != "" || o.skip
	if start != "" {
		if o.start, err = time.Parse(time.RFC3339, start); err != nil {
			return usagef("serve: --start %q is not an RFC 3339 time", start)
		}
	}
	if span > 0 {
		o.end = o.start.Add(span)
	}
	return m.serve(ctx, c, o)
}

// serve runs the daemon on config c until ctx ends or o.end passes.
func (m *Main) serve(ctx context.Context, c *config.Config, o serveOptions) error {
	whPath := c.Path(c.Warehouse)
	lock, err := warehouse.LockServe(whPath)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer lock.Close()
	clk := m.serveClock(c, o)
	d := &daemon{m: m, clock: clk, lock: lock, cfg: c, whPath: whPath, last: map[string]schedule.Outcome{},
		metrics: metrics.New(), whTurn: make(chan struct{}, 1)}
	jobs, err := d.jobs(c)
	if err != nil {
		return usageError{err}
	}
	if d.alerts, err = d.startAlerts(c); err != nil {
		return usageError{err}
	}
	defer d.alerts.stop(alertGrace)
	d.scheduled(jobs)
	d.sched = &schedule.Scheduler{
		Clock: clk, State: &schedule.FileState{Path: whPath + ".schedule.json"}, Until: o.end, Grace: 15 * time.Second,
		OnStart: d.started, OnFinish: d.finished, Logger: m.Logger,
	}
	if m.hooks != nil {
		d.sched.OnIdle = m.hooks.onIdle
	}
	if o.listen == "" {
		o.listen = c.ServeSettings().Listen
	}
	srv, err := d.listen(o.listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer srv.Close()
	stopHUP := d.watchHUP(ctx, o.configPath)
	defer stopHUP()
	mode := ""
	if o.skip {
		mode = " (skip: jumps while idle)"
	}
	fmt.Fprintf(m.Stdout, "serve: %d jobs on %s, clock %s ×%g%s, /healthz on http://%s\n",
		len(jobs), whPath, clk.Now().In(pipelines.Shanghai).Format(time.RFC3339), o.speed, mode, srv.addr)
	if err := d.sched.Run(ctx, jobs); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(m.Stdout, "serve: stopped at %s\n", clk.Now().In(pipelines.Shanghai).Format(time.RFC3339))
	return nil
}

// serveClock is the tests' clock, a simulated one (--speed, --start, or
// the config's fixed now), or the wall clock.
func (m *Main) serveClock(c *config.Config, o serveOptions) schedule.Clock {
	switch {
	case m.hooks != nil && m.hooks.clock != nil:
		return m.hooks.clock
	case o.skip:
		return schedule.NewSkip(o.start, o.speed)
	case o.simulated:
		return schedule.NewScaled(o.start, o.speed)
	}
	return schedule.Real{}
}

// daemon is the state of one serve.
type daemon struct {
	m       *Main
	clock   schedule.Clock
	lock    *warehouse.ServeLock
	whPath  string
	sched   *schedule.Scheduler
	metrics *metrics.Metrics
	alerts  *alertLoop
	// whTurn is held while the warehouse is open: the runs and the alert
	// loop's reads take turns.
	whTurn chan struct{}

	mu       sync.Mutex
	cfg      *config.Config
	last     map[string]schedule.Outcome // by job
	notes    map[string]string           // by job: what its run found
	jobNames map[string]bool             // the jobs scheduled
	targets  map[string]bool             // the targets the open findings metric covers
	lags     map[string]float64          // by source: the replica lag its last snapshot saw
	pages    *web.Server                 // the status pages, once listening
	// runFails are the jobs failing now, and those that worked again in
	// the last day, as alert items (alert.Finding.Run).
	runFails map[string]*alert.Finding
}

// note keeps a line about the run of job in flight, printed when it ends.
func (d *daemon) note(job, s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.notes == nil {
		d.notes = map[string]string{}
	}
	d.notes[job] = s
}

func (d *daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

func (d *daemon) started(t schedule.Tick) {
	if err := d.lock.SetRun(t.Job); err != nil {
		d.m.Logger.Warn("serve lock file not updated", "err", err)
	}
}

// finished prints the run, keeps it for /healthz and records it in the
// metrics. A failed run (after its retries) is logged as an error,
// counted (pushaudit_pipeline_runs_total{result="failed"}, on which the
// shipped Prometheus rules alert) and told to the on-call groups by the
// alert loop within a minute: once when the job starts failing, once
// when it works again.
func (d *daemon) finished(o schedule.Outcome) {
	d.metrics.RunFinished(o.Job, o.Finished, o.Finished.Sub(o.Started), o.Err == nil)
	d.mu.Lock()
	d.runFailed(o)
	d.last[o.Job] = o
	note := d.notes[o.Job]
	delete(d.notes, o.Job)
	d.mu.Unlock()
	if err := d.lock.SetRun(""); err != nil {
		d.m.Logger.Warn("serve lock file not updated", "err", err)
	}
	state := "ok"
	if note != "" {
		state += ": " + note
	}
	if o.Err != nil {
		state = "FAILED: " + warehouse.ScrubText(o.Err.Error())
		d.m.Logger.Error("run failed", "job", o.Job, "tick", o.Due.Format(time.RFC3339), "err", warehouse.ScrubText(o.Err.Error()))
	}
	skipped := ""
	if o.Skipped > 0 {
		skipped = fmt.Sprintf(" (for %d missed ticks too)", o.Skipped)
	}
	fmt.Fprintf(d.m.Stdout, "%s  %-28s %s%s\n", o.Started.In(pipelines.Shanghai).Format("2006-01-02 15:04:05"), o.Job, state, skipped)
}

// runFailed keeps the failure streak of o's job (d.mu held): a failed run
// opens or continues it, a successful one resolves it.
func (d *daemon) runFailed(o schedule.Outcome) {
	if d.runFails == nil {
		d.runFails = map[string]*alert.Finding{}
	}
	f := d.runFails[o.Job]
	switch {
	case o.Err != nil && (f == nil || !f.Open()):
		d.runFails[o.Job] = &alert.Finding{ID: fmt.Sprintf("run-%s-%d", o.Job, o.Started.Unix()), Run: o.Job,
			RunFailures: 1, FirstSeen: o.Started, Status: pipelines.StatusUnverifiable, Error: warehouse.ScrubText(o.Err.Error())}
	case o.Err != nil:
		f.RunFailures++
		f.Error = warehouse.ScrubText(o.Err.Error())
	case f != nil && f.Open():
		f.ResolvedAt = o.Finished
	}
}

// runFindings are the alert items of the failing jobs, and of those that
// worked again in the last day (for their resolved message).
func (d *daemon) runFindings() []alert.Finding {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	var out []alert.Finding
	for job, f := range d.runFails {
		if !f.Open() && now.Sub(f.ResolvedAt) > 24*time.Hour {
			delete(d.runFails, job)
			continue
		}
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// watchHUP reloads the config on SIGHUP: a config that does not load, or
// whose jobs are bad, is refused with its error and the old one runs on.
func (d *daemon) watchHUP(ctx context.Context, path string) (stop func()) {
	hup := make(chan os.Signal, 1)
	if d.m.hooks != nil && d.m.hooks.hup != nil {
		hup = d.m.hooks.hup
	} else {
		signal.Notify(hup, syscall.SIGHUP)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				if err := d.reload(path); err != nil {
					d.m.Logger.Error("config reload refused; the old config runs on", "config", path, "err", err)
					fmt.Fprintf(d.m.Stderr, "pushaudit: serve: config reload refused, the old config runs on: %v\n", err)
				}
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

func (d *daemon) reload(path string) error {
	if path == "" {
		return errors.New("no config file to reload")
	}
	c, err := config.Load(path)
	if err != nil {
		return err
	}
	if p := c.Path(c.Warehouse); p != d.whPath {
		return fmt.Errorf("warehouse: %s is not %s; a new warehouse needs a restart", p, d.whPath)
	}
	jobs, err := d.jobs(c)
	if err != nil {
		return err
	}
	// the engine is built here to refuse a bad alerts section; the loop
	// builds its own between two evaluations, from the state file.
	if _, err := d.alertEngine(c); err != nil {
		return err
	}
	d.mu.Lock()
	pages := d.pages
	d.mu.Unlock()
	if pages != nil {
		// the token file: refused here like any bad config, before
		// anything of the new config is applied.
		if err := pages.Reload(c); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.cfg = c
	d.mu.Unlock()
	d.sched.Reload(jobs)
	d.scheduled(jobs)
	d.alerts.reload(c)
	d.m.Logger.Info("config reloaded", "config", path, "jobs", len(jobs))
	fmt.Fprintf(d.m.Stdout, "serve: config %s reloaded, %d jobs\n", path, len(jobs))
	return nil
}

// httpServer is the listening /healthz and /metrics.
type httpServer struct {
	srv  *http.Server
	addr string
}

func (h *httpServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.srv.Shutdown(ctx)
}

// listen serves /healthz (the last run of each job, the next ones and the
// undelivered alerts, as JSON) and /metrics (Prometheus).
func (d *daemon) listen(addr string) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.Handle("GET /metrics", d.metrics.Handler())
	if err := d.mountPages(mux, ln.Addr().String()); err != nil {
		_ = ln.Close()
		return nil, err
	}
	h := &httpServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String()}
	go func() {
		if err := h.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.m.Logger.Error("http server", "err", err)
		}
	}()
	if d.m.hooks != nil && d.m.hooks.listening != nil {
		d.m.hooks.listening(h.addr)
	}
	return h, nil
}

type healthRun struct {
	Tick     string `json:"tick"`
	Started  string `json:"started"`
	Finished string `json:"finished"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

// healthAlert is an alert message not delivered yet; its error is
// redacted (no robot key, no signing secret).
type healthAlert struct {
	Group       string `json:"group"`
	Receiver    string `json:"receiver"`
	Finding     string `json:"finding"`
	Event       string `json:"event"`
	Failures    int    `json:"failures"`
	LastAttempt string `json:"last_attempt"`
	LastError   string `json:"last_error"`
}

type healthNext struct {
	Job     string `json:"job"`
	At      string `json:"at"`
	Running bool   `json:"running"`
}

func (d *daemon) healthz(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Status        string               `json:"status"`
		Now           string               `json:"now"`
		Last          map[string]healthRun `json:"last"`
		Next          []healthNext         `json:"next"`
		AlertFailures []healthAlert        `json:"alert_failures"`
	}{Status: "ok", Now: d.clock.Now().In(pipelines.Shanghai).Format(time.RFC3339), Last: map[string]healthRun{}, AlertFailures: []healthAlert{}}
	f := func(t time.Time) string { return t.In(pipelines.Shanghai).Format(time.RFC3339) }
	if d.alerts != nil {
		for _, a := range d.alerts.failures() {
			out.AlertFailures = append(out.AlertFailures, healthAlert{Group: a.Group, Receiver: a.Receiver, Finding: a.Finding,
				Event: string(a.Kind), Failures: a.Failures, LastAttempt: f(a.LastAttempt), LastError: a.LastError})
		}
	}
	d.mu.Lock()
	for job, o := range d.last {
		r := healthRun{Tick: f(o.Due), Started: f(o.Started), Finished: f(o.Finished), OK: o.Err == nil}
		if o.Err != nil {
			r.Error = warehouse.ScrubText(o.Err.Error())
		}
		out.Last[job] = r
	}
	d.mu.Unlock()
	if d.sched != nil {
		for _, p := range d.sched.Plan() {
			out.Next = append(out.Next, healthNext{Job: p.Job, At: f(p.At), Running: p.Running})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}
