// Package metrics is pushaudit's Prometheus instrumentation: one registry
// of its own (never the client library's global default) holding every
// pushaudit_ metric, typed methods the daemon calls as its pipelines run,
// and the http.Handler it serves at /metrics.
//
// The daemon builds one Metrics with New and calls, as things happen:
//
//	m := metrics.New()
//	m.PipelineScheduled("snapshot/biz", 10*time.Minute)        // at start and on reload
//	m.RunFinished("snapshot/biz", now, took, err == nil)         // after every run
//	m.SourceUp("biz", true)                                      // each time a source is reached or not
//	m.ReplicaLag("biz", 1.5)                                     // lag recorded by a snapshot
//	m.SnapshotTable("biz", "cases", rows, rowsPerSec)            // per table loaded
//	m.WindowsJudged("missed", n)                                 // per verdict, after a reconcile
//	m.FindingsOpen("city_gov", 2, n)                             // every target × level 1..4, zeros too
//	m.AlertDelivery("oncall", "wecom", "new", ok)                // internal/alert calls it (Recorder)
//	http.Handle("/metrics", m.Handler())
//
// The alerting rules in deploy/prometheus/pushaudit-rules.yml and the
// dashboard in deploy/grafana/pushaudit-dashboard.json use these names;
// the tests hold them together.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label names.
const (
	labelPipeline = "pipeline"
	labelResult   = "result"
	labelTarget   = "target"
	labelLevel    = "fault_level"
	labelSource   = "source"
	labelTable    = "table"
	labelVerdict  = "verdict"
	labelGroup    = "group"
	labelProvider = "provider"
	labelEvent    = "event"
)

// Metrics holds pushaudit's metrics in a registry of its own. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	pipelineInterval    *prometheus.GaugeVec
	pipelineLastSuccess *prometheus.GaugeVec
	pipelineLastRun     *prometheus.GaugeVec
	pipelineLastOK      *prometheus.GaugeVec
	pipelineDuration    *prometheus.GaugeVec
	pipelineRuns        *prometheus.CounterVec
	findingsOpen        *prometheus.GaugeVec
	snapshotRows        *prometheus.GaugeVec
	snapshotRate        *prometheus.GaugeVec
	sourceUp            *prometheus.GaugeVec
	replicaLag          *prometheus.GaugeVec
	windowsJudged       *prometheus.CounterVec
	alertDeliveries     *prometheus.CounterVec
	alertFailures       *prometheus.CounterVec
	alertDeferred       *prometheus.CounterVec
}

// New returns the metrics, registered with a new registry together with
// the Go runtime and process collectors (process_start_time_seconds is
// used by the rules).
func New() *Metrics {
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "pushaudit", Name: name, Help: help}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "pushaudit", Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		pipelineInterval: gauge("pipeline_interval_seconds",
			"Typical time between two scheduled runs of the pipeline.", labelPipeline),
		pipelineLastSuccess: gauge("pipeline_last_success_timestamp_seconds",
			"When the pipeline's last successful run finished (Unix time).", labelPipeline),
		pipelineLastRun: gauge("pipeline_last_run_timestamp_seconds",
			"When the pipeline's last run finished, successful or not (Unix time).", labelPipeline),
		pipelineLastOK: gauge("pipeline_last_run_success",
			"1 if the pipeline's last run succeeded, 0 if it failed.", labelPipeline),
		pipelineDuration: gauge("pipeline_last_run_duration_seconds",
			"How long the pipeline's last run took.", labelPipeline),
		pipelineRuns: counter("pipeline_runs_total",
			"Pipeline runs finished, by result (ok or failed).", labelPipeline, labelResult),
		findingsOpen: gauge("findings_open",
			"Open findings by target and fault level (1 = 一级 … 4 = 四级).", labelTarget, labelLevel),
		snapshotRows: gauge("snapshot_table_rows",
			"Rows loaded by the last snapshot of the table.", labelSource, labelTable),
		snapshotRate: gauge("snapshot_table_rows_per_second",
			"Rows per second of the last snapshot of the table.", labelSource, labelTable),
		sourceUp: gauge("source_up",
			"1 if the source's last connection succeeded, 0 if it could not be reached.", labelSource),
		replicaLag: gauge("replica_lag_seconds",
			"Replica lag of the source recorded by its last snapshot.", labelSource),
		windowsJudged: counter("windows_judged_total",
			"Windows (target × resource × window) judged by reconciliation, by verdict.", labelVerdict),
		alertDeliveries: counter("alert_deliveries_total",
			"Alert messages delivered or given up on, by group, provider and event.", labelGroup, labelProvider, labelEvent),
		alertFailures: counter("alert_delivery_failures_total",
			"Alert messages given up on after every retry, by group, provider and event.", labelGroup, labelProvider, labelEvent),
		alertDeferred: counter("alert_deferred_total",
			"Alert messages held back by the group's rate limit, to be sent later.", labelGroup),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.pipelineInterval, m.pipelineLastSuccess, m.pipelineLastRun, m.pipelineLastOK,
		m.pipelineDuration, m.pipelineRuns, m.findingsOpen, m.snapshotRows, m.snapshotRate,
		m.sourceUp, m.replicaLag, m.windowsJudged, m.alertDeliveries, m.alertFailures,
		m.alertDeferred,
	)
	return m
}

// Registry is the registry the metrics live in, for callers that add
// collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// PipelineScheduled records how often a pipeline is scheduled to run (for
// a cron schedule, the gap between its next two firings). The stale
// pipeline alert fires when its last success is older than twice this
// plus 15 minutes.
func (m *Metrics) PipelineScheduled(pipeline string, interval time.Duration) {
	m.pipelineInterval.WithLabelValues(pipeline).Set(interval.Seconds())
}

// PipelineRemoved forgets a pipeline dropped from the schedule (after a
// config reload), so no alert fires for it.
func (m *Metrics) PipelineRemoved(pipeline string) {
	for _, v := range []*prometheus.GaugeVec{m.pipelineInterval, m.pipelineLastSuccess, m.pipelineLastRun, m.pipelineLastOK, m.pipelineDuration} {
		v.DeleteLabelValues(pipeline)
	}
	m.pipelineRuns.DeletePartialMatch(prometheus.Labels{labelPipeline: pipeline})
}

// RunFinished records a pipeline run that finished at (the daemon's
// clock) after took; ok is false when the run failed.
func (m *Metrics) RunFinished(pipeline string, at time.Time, took time.Duration, ok bool) {
	ts := float64(at.UnixNano()) / 1e9
	m.pipelineLastRun.WithLabelValues(pipeline).Set(ts)
	m.pipelineDuration.WithLabelValues(pipeline).Set(took.Seconds())
	result, okv := "failed", 0.0
	if ok {
		result, okv = "ok", 1
		m.pipelineLastSuccess.WithLabelValues(pipeline).Set(ts)
	}
	m.pipelineLastOK.WithLabelValues(pipeline).Set(okv)
	m.pipelineRuns.WithLabelValues(pipeline, result).Inc()
}

// FindingsOpen sets the number of open findings of a target at a fault
// level (1..4). Call it for every target and level after each count,
// zeros included, so a resolved level drops to 0.
func (m *Metrics) FindingsOpen(target string, level, n int) {
	m.findingsOpen.WithLabelValues(target, strconv.Itoa(level)).Set(float64(n))
}

// SnapshotTable records the rows a snapshot loaded into a table and its
// rate in rows per second.
func (m *Metrics) SnapshotTable(source, table string, rows int64, rowsPerSec float64) {
	m.snapshotRows.WithLabelValues(source, table).Set(float64(rows))
	m.snapshotRate.WithLabelValues(source, table).Set(rowsPerSec)
}

// SourceUp records whether a source could be reached.
func (m *Metrics) SourceUp(source string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.sourceUp.WithLabelValues(source).Set(v)
}

// ReplicaLag records a source replica's lag in seconds.
func (m *Metrics) ReplicaLag(source string, seconds float64) {
	m.replicaLag.WithLabelValues(source).Set(seconds)
}

// WindowsJudged counts n windows judged with a verdict (ok, missed, …).
func (m *Metrics) WindowsJudged(verdict string, n int) {
	if n > 0 {
		m.windowsJudged.WithLabelValues(verdict).Add(float64(n))
	}
}

// AlertDelivery counts one alert message to a group's provider (wecom,
// dingtalk, webhook) for an event (new, resolved, respond_overdue,
// resolve_overdue, progress): delivered when ok, else given up on after
// every retry. It implements alert.Recorder.
func (m *Metrics) AlertDelivery(group, provider, event string, ok bool) {
	m.alertDeliveries.WithLabelValues(group, provider, event).Inc()
	if !ok {
		m.alertFailures.WithLabelValues(group, provider, event).Inc()
	} else {
		// Make the failure series exist at 0, so rate() and increase()
		// see the first failure.
		m.alertFailures.WithLabelValues(group, provider, event).Add(0)
	}
}

// AlertDeferred counts n alert messages a group's rate limit held back.
// It implements alert.Recorder.
func (m *Metrics) AlertDeferred(group string, n int) {
	if n > 0 {
		m.alertDeferred.WithLabelValues(group).Add(float64(n))
	}
}
