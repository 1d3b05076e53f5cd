package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// EvidenceConfig is the config's evidence section: where the push log is
// and how it is shaped, the receipt files, and the site's conventions
// (README "Site evidence conventions").
type EvidenceConfig struct {
	// PushLog is the exchange's push log: the plain "source.table" or a
	// mapping of its columns and statuses (pipelines.PushLogSpec). Other
	// code takes its table from PushLog.Table().
	PushLog     pipelines.PushLogSpec `yaml:"push_log"`
	ReceiptsDir string                `yaml:"receipts_dir,omitempty"`
	// EmptyPushes: logged, not_logged or auto (default): whether the
	// exchange logs a push of 0 rows for a window with nothing to push.
	EmptyPushes string `yaml:"empty_pushes,omitempty"`
	// NoPushLog are targets the exchange keeps no push log for.
	NoPushLog []string `yaml:"no_push_log,omitempty"`
	// ClockOffsets: how far the clock of a source or target is ahead.
	ClockOffsets map[string]time.Duration `yaml:"clock_offsets,omitempty"`
	// Retention: how long a target's front-end database keeps rows.
	Retention map[string]time.Duration `yaml:"retention,omitempty"`
	// Heartbeat: the exchange's heartbeat table, where it logs one.
	Heartbeat *pipelines.HeartbeatSpec `yaml:"heartbeat,omitempty"`
}

// validateEvidence checks the evidence section; errors name the field.
func (c *Config) validateEvidence(bad func(string, ...any)) {
	e := &c.Evidence
	if e.PushLog.Table() != "" {
		if err := e.PushLog.Validate("evidence.push_log"); err != nil {
			bad("%v", err)
		}
	}
	if err := pipelines.ValidateEmptyPushes(e.EmptyPushes); err != nil {
		bad("%v", err)
	}
	for i, t := range e.NoPushLog {
		if t == "" {
			bad("evidence.no_push_log[%d]: empty", i)
		}
	}
	for _, k := range sortedKeys(e.ClockOffsets) {
		if d := e.ClockOffsets[k]; d > 24*time.Hour || d < -24*time.Hour {
			bad("evidence.clock_offsets.%s: %s is more than a day", k, d)
		}
	}
	for _, k := range sortedKeys(e.Retention) {
		if e.Retention[k] <= 0 {
			bad("evidence.retention.%s: %s is not a positive duration", k, e.Retention[k])
		}
	}
	if h := e.Heartbeat; h != nil {
		if err := h.Validate("evidence.heartbeat"); err != nil {
			bad("%v", err)
		} else if _, ok := c.Sources[h.Source()]; !ok && len(c.Sources) > 0 {
			bad("evidence.heartbeat.table: %q is not in a source of the config (sources: %s)", h.Table, strings.Join(c.SourceNames(), ", "))
		}
	}
}

func sortedKeys(m map[string]time.Duration) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PushLogTable is the warehouse table of the push log, e.g.
// exchange.push_log.
func (c *Config) PushLogTable() string { return c.Evidence.PushLog.Table() }

// SiteEvidence returns the site's evidence conventions for the
// reconciler: the push log with the clock offset of its source.
func (c *Config) SiteEvidence() pipelines.SiteEvidence {
	e := c.Evidence
	s := pipelines.SiteEvidence{PushLog: e.PushLog, EmptyPushes: e.EmptyPushes, ClockOffsets: e.ClockOffsets, Retention: e.Retention, Heartbeat: e.Heartbeat}
	s.PushLog.ClockOffset = e.ClockOffsets[e.PushLog.Source()]
	if len(e.NoPushLog) > 0 {
		s.NoPushLog = map[string]bool{}
		for _, t := range e.NoPushLog {
			s.NoPushLog[t] = true
		}
	}
	return s
}

// CheckEvidenceTargets checks that the targets the evidence section names
// are in the catalog cat (the config alone does not know them).
func (c *Config) CheckEvidenceTargets(cat *pipelines.Catalog) error {
	for i, t := range c.Evidence.NoPushLog {
		if _, ok := cat.Target(t); !ok {
			return fmt.Errorf("config %s: evidence.no_push_log[%d]: %q is not a target of the catalog", c.name, i, t)
		}
	}
	for _, k := range sortedKeys(c.Evidence.Retention) {
		if _, ok := cat.Target(k); !ok {
			return fmt.Errorf("config %s: evidence.retention.%s: not a target of the catalog", c.name, k)
		}
	}
	return nil
}
