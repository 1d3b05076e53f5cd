package config

import (
	"strings"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Assessment configures the money of the quarterly assessment.
type Assessment struct {
	// QuarterlyFee is the quarter's service fee in yuan (每季度服务费);
	// 0: the reports show points only.
	QuarterlyFee float64 `yaml:"quarterly_fee,omitempty"`
}

// IncidentRules returns the incident rules: the defaults with the
// config's non-zero fields over them.
func (c *Config) IncidentRules() pipelines.IncidentRules {
	if c.Incidents == nil {
		return pipelines.DefaultIncidentRules()
	}
	return c.Incidents.WithDefaults()
}

func (c *Config) validateIncidents(bad func(format string, args ...any)) {
	if c.Incidents != nil {
		if err := c.Incidents.Validate(); err != nil {
			bad("%v", err)
		}
	}
	if a := c.Anomaly; a != nil {
		if err := a.Validate(); err != nil {
			bad("%v", err)
		}
		for i, v := range a.Volumes {
			src, _ := pipelines.SplitTable(v.Table)
			if _, ok := c.Sources[src]; src != "" && !ok && len(c.Sources) > 0 {
				bad("anomaly.volumes[%d].table: %q is not in a source of the config (sources: %s)", i, v.Table, strings.Join(c.SourceNames(), ", "))
			}
		}
	}
	if c.Assessment.QuarterlyFee < 0 {
		bad("assessment.quarterly_fee: %g is negative", c.Assessment.QuarterlyFee)
	}
}

// AnomalyRules returns the rules of the anomaly check: the config's, with
// defaults for the fields it leaves out; none (nothing enabled) without
// an anomaly section.
func (c *Config) AnomalyRules() pipelines.AnomalyRules {
	if c.Anomaly == nil {
		return pipelines.AnomalyRules{}
	}
	return c.Anomaly.WithDefaults()
}
