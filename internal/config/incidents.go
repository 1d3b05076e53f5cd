package config

import "github.com/chengdu-cgw/pushaudit/pipelines"

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
	if c.Assessment.QuarterlyFee < 0 {
		bad("assessment.quarterly_fee: %g is negative", c.Assessment.QuarterlyFee)
	}
}
