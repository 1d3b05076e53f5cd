package config

import (
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// ServeConfig is the daemon's section, serve:.
type ServeConfig struct {
	// Listen is the address of /healthz and /metrics (default loopback).
	Listen string `yaml:"listen,omitempty"`
	// ReconcileDelay: a cadence's reconciliation runs this long after each
	// window's deadline (default 30s: a push finished just before the
	// deadline has its push-log row committed, replicated and within the
	// clocks' skew by then), after the snapshot taken at the deadline.
	ReconcileDelay time.Duration `yaml:"reconcile_delay,omitempty"`
	// Jitter: each run starts up to this much after its tick, the same
	// for the same job and tick (default 30s; negative: none).
	Jitter time.Duration `yaml:"jitter,omitempty"`
	// Retries and RetryBackoff: a run failing on a transient source error
	// is tried again Retries times, waiting RetryBackoff, then twice that…
	// (defaults 3 and 10s; negative Retries: none).
	Retries      int           `yaml:"retries,omitempty"`
	RetryBackoff time.Duration `yaml:"retry_backoff,omitempty"`
	// Schedules overrides a job's schedule with a standard cron expression
	// (or "off"), by job name (snapshot:biz, reconcile:hourly, report:day
	// …) or by kind for every job of it (snapshot, snapshot_full).
	Schedules map[string]string `yaml:"schedules,omitempty"`
	// TokenFile holds the status pages' tokens, one a line ("TOKEN" or
	// "NAME TOKEN", # comments): required when listen is not loopback,
	// and then for every page but /healthz and /metrics; acknowledging a
	// finding needs a token whenever it is set.
	TokenFile string `yaml:"token_file,omitempty"`
	// SnapshotDue: before reconciling the windows of a periodic cadence,
	// snapshot only the tables its resources read (their source tables,
	// the push log, their front-end tables), so the windows are judged on
	// data read after their deadline; the whole-site snapshots keep their
	// own schedule. Default true.
	SnapshotDue *bool `yaml:"snapshot_due,omitempty"`
}

// SnapshotDueOr says whether the daemon snapshots the tables due
// resources read before reconciling them (serve.snapshot_due, default
// true).
func (c *Config) SnapshotDueOr() bool {
	return c.Serve.SnapshotDue == nil || *c.Serve.SnapshotDue
}

// Serve defaults.
const (
	DefaultListen         = "127.0.0.1:9470"
	DefaultReconcileDelay = 30 * time.Second
	DefaultJitter         = 30 * time.Second
	DefaultRetries        = 3
	DefaultRetryBackoff   = 10 * time.Second
	DefaultWarehouseWait  = 2 * time.Minute
	// ScheduleOff disables a job in serve.schedules.
	ScheduleOff = "off"
)

// Job kinds of the daemon; a job is named KIND:ARG (snapshot:biz).
const (
	JobSnapshot     = "snapshot"      // incremental, per source
	JobSnapshotFull = "snapshot_full" // every table in full, per source, at night
	JobReconcile    = "reconcile"     // per cadence, and stats
	JobReport       = "report"        // per period kind
)

// ServeJob is one job of the daemon, named kind:arg, with its schedule:
// a cron expression, or "" for right after each window's deadline (the
// reconciliations of periodic cadences).
type ServeJob struct {
	Name, Kind, Arg string
	Cron            string
}

// Report period kinds of the report jobs.
var reportKinds = []string{"day", "half_month", "month", "quarter", "year"}

// defaultCron are the default schedules (Asia/Shanghai): incremental
// snapshots every 10 minutes, full ones at 02:00 when the operations rules
// put heavy work; the one-time and media-copy checks daily after their
// 07:00 deadline; the daily workbook at 07:30 and each operations report
// the morning its period closes. A job without one (the periodic cadences'
// reconciliations and the statistics check) is due after each deadline of
// its windows.
var defaultCron = map[string]string{
	JobSnapshot:     "*/10 * * * *",
	JobSnapshotFull: "0 2 * * *",
	JobReconcile + ":" + string(pipelines.Once):      "10 7 * * *",
	JobReconcile + ":" + string(pipelines.MediaCopy): "15 7 * * *",
	JobReconcile + ":" + pipelines.SourceTarget:      "25 6 * * *",
	JobReport + ":day":                               "30 7 * * *",
	JobReport + ":half_month":                        "0 8 1,16 * *",
	JobReport + ":month":                             "15 8 1 * *",
	JobReport + ":quarter":                           "30 8 1 1,4,7,10 *",
	JobReport + ":year":                              "45 8 1 1 *",
}

// ServeJobs lists the daemon's jobs with their effective schedules, the
// ones set to "off" left out.
func (c *Config) ServeJobs() []ServeJob {
	var all []ServeJob
	for _, src := range c.SourceNames() {
		all = append(all, ServeJob{Kind: JobSnapshot, Arg: src}, ServeJob{Kind: JobSnapshotFull, Arg: src})
	}
	for _, cad := range pipelines.Cadences {
		all = append(all, ServeJob{Kind: JobReconcile, Arg: string(cad)})
	}
	all = append(all, ServeJob{Kind: JobReconcile, Arg: "stats"})
	if c.AnomalyRules().Enabled() {
		all = append(all, ServeJob{Kind: JobReconcile, Arg: pipelines.SourceTarget})
	}
	for _, k := range reportKinds {
		all = append(all, ServeJob{Kind: JobReport, Arg: k})
	}
	var out []ServeJob
	for _, j := range all {
		j.Name = j.Kind + ":" + j.Arg
		j.Cron = defaultCron[j.Name]
		if j.Name == JobReconcile+":"+pipelines.SourceTarget && c.AnomalyRules().Bucket == "hour" {
			j.Cron = "5 * * * *" // each hour, the hours before it
		}
		if s, ok := defaultCron[j.Kind]; ok {
			j.Cron = s
		}
		if s, ok := c.Serve.Schedules[j.Kind]; ok {
			j.Cron = s
		}
		if s, ok := c.Serve.Schedules[j.Name]; ok {
			j.Cron = s
		}
		if j.Cron != ScheduleOff {
			out = append(out, j)
		}
	}
	return out
}

// ServeSettings returns the serve section with the defaults filled in.
func (c *Config) ServeSettings() ServeConfig {
	s := c.Serve
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.ReconcileDelay == 0 {
		s.ReconcileDelay = DefaultReconcileDelay
	}
	switch {
	case s.Jitter == 0:
		s.Jitter = DefaultJitter
	case s.Jitter < 0:
		s.Jitter = 0
	}
	switch {
	case s.Retries == 0:
		s.Retries = DefaultRetries
	case s.Retries < 0:
		s.Retries = 0
	}
	if s.RetryBackoff == 0 {
		s.RetryBackoff = DefaultRetryBackoff
	}
	return s
}

// WarehouseWaitOr returns how long a command waits for a warehouse another
// process holds (warehouse_wait; default 2m, negative: not at all).
func (c *Config) WarehouseWaitOr() time.Duration {
	switch {
	case c.WarehouseWait == 0:
		return DefaultWarehouseWait
	case c.WarehouseWait < 0:
		return 0
	}
	return c.WarehouseWait
}

// validateServe checks the serve section; bad collects the errors.
func (c *Config) validateServe(bad func(string, ...any)) {
	s := c.Serve
	if s.Listen != "" {
		if _, _, err := net.SplitHostPort(s.Listen); err != nil {
			bad("serve.listen: %q is not host:port", s.Listen)
		}
	}
	if s.TokenFile != "" {
		if info, err := os.Stat(c.Path(s.TokenFile)); err != nil {
			bad("serve.token_file: %v", err)
		} else if info.IsDir() {
			bad("serve.token_file: %s is a directory", c.Path(s.TokenFile))
		}
	}
	if s.ReconcileDelay < 0 {
		bad("serve.reconcile_delay: %s is negative", s.ReconcileDelay)
	}
	if s.RetryBackoff < 0 {
		bad("serve.retry_backoff: %s is negative", s.RetryBackoff)
	}
	known := map[string]bool{JobSnapshot: true, JobSnapshotFull: true}
	for _, j := range c.withAllJobs().ServeJobs() {
		known[j.Name] = true
	}
	keys := make([]string, 0, len(s.Schedules))
	for k := range s.Schedules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s.Schedules[k]
		if !known[k] {
			bad("serve.schedules.%s: not a job (snapshot, snapshot_full, snapshot:SOURCE, snapshot_full:SOURCE, reconcile:CADENCE, reconcile:stats, reconcile:source with anomaly volumes, report:%s)",
				k, strings.Join(reportKinds, "|"))
			continue
		}
		if v == ScheduleOff {
			continue
		}
		if _, err := cron.ParseStandard(v); err != nil {
			bad("serve.schedules.%s: %q is not a cron expression (minute hour day-of-month month day-of-week) or off: %v", k, v, err)
		}
	}
}

// withAllJobs is c with no job turned off, to list every job name.
func (c *Config) withAllJobs() *Config {
	d := *c
	d.Serve.Schedules = nil
	return &d
}
