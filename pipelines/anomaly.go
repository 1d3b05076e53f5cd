package pipelines

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// SourceTarget is the pseudo-target of the anomaly check: its results
// judge a source's own volumes against their history (a district whose
// reports stopped reaching the business database makes every push
// "complete"), one window per day or hour (AnomalyRules.Bucket).
const SourceTarget = "source"

// AnomalyRules configure the anomaly check (config key `anomaly:`): each
// volume's count per bucket is compared with the same bucket (weekday, and
// hour when hourly) of the weeks before, by robust statistics.
type AnomalyRules struct {
	// Volumes are what is counted: rows of a source table per bucket of
	// its time column, per value of a column (by) when one is named.
	Volumes []VolumeSpec `yaml:"volumes"`
	// Weeks of history read for each bucket (default 6).
	Weeks int `yaml:"weeks,omitempty"`
	// MinWeeks: a bucket with fewer comparable weeks of history (a new
	// deployment, a new district, weeks of holidays) is not judged
	// (default 3).
	MinWeeks int `yaml:"min_weeks,omitempty"`
	// Threshold is the robust score |x − median| / spread beyond which a
	// count is an anomaly (default 5).
	Threshold float64 `yaml:"threshold,omitempty"`
	// MinChange: a difference from the median smaller than this many rows
	// is never an anomaly, whatever its score (default 20): a quiet night
	// or a small district moving from 2 to 0 is noise, not a fault.
	MinChange int64 `yaml:"min_change,omitempty"`
	// Bucket is "day" (the default) or "hour".
	Bucket string `yaml:"bucket,omitempty"`
	// Holidays (YYYY-MM-DD) are neither judged nor used as history.
	Holidays []string `yaml:"holidays,omitempty"`
	// Resources: judge each periodic resource's expected volume too (the
	// rows its source query gave, summed over a bucket's windows, from the
	// results reconciled before), as "expected:TARGET.RESOURCE".
	Resources bool `yaml:"resources,omitempty"`
}

// Enabled reports whether the rules judge anything.
func (a AnomalyRules) Enabled() bool { return len(a.Volumes) > 0 || a.Resources }

// VolumeSpec is one counted volume.
type VolumeSpec struct {
	// Name names the volume in results ("cases_by_district"): a plain
	// identifier.
	Name string `yaml:"name"`
	// Table is the warehouse table ("source.table") counted.
	Table string `yaml:"table"`
	// TimeColumn assigns a row to a bucket (the record's own time, such
	// as a case's report time).
	TimeColumn string `yaml:"time_column"`
	// By, when set, counts per value of this column (a district code):
	// each value is judged on its own, and a value with no row in a
	// bucket counts 0 there.
	By string `yaml:"by,omitempty"`
}

// The defaults of AnomalyRules.
const (
	DefaultAnomalyWeeks     = 6
	DefaultAnomalyMinWeeks  = 3
	DefaultAnomalyThreshold = 5.0
	DefaultAnomalyMinChange = 20
)

var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// WithDefaults returns the rules with every zero field at its default.
func (a AnomalyRules) WithDefaults() AnomalyRules {
	if a.Weeks == 0 {
		a.Weeks = DefaultAnomalyWeeks
	}
	if a.MinWeeks == 0 {
		a.MinWeeks = min(DefaultAnomalyMinWeeks, a.Weeks)
	}
	if a.Threshold == 0 {
		a.Threshold = DefaultAnomalyThreshold
	}
	if a.MinChange == 0 {
		a.MinChange = DefaultAnomalyMinChange
	}
	if a.Bucket == "" {
		a.Bucket = "day"
	}
	return a
}

// Validate names the first field of the rules that cannot be used.
func (a AnomalyRules) Validate() error {
	a = a.WithDefaults()
	switch {
	case a.Weeks < 1 || a.Weeks > 52:
		return fmt.Errorf("anomaly.weeks: %d is not between 1 and 52", a.Weeks)
	case a.MinWeeks < 1 || a.MinWeeks > a.Weeks:
		return fmt.Errorf("anomaly.min_weeks: %d is not between 1 and weeks (%d)", a.MinWeeks, a.Weeks)
	case a.Threshold < 0 || math.IsNaN(a.Threshold):
		return fmt.Errorf("anomaly.threshold: %g is negative", a.Threshold)
	case a.MinChange < 0:
		return fmt.Errorf("anomaly.min_change: %d is negative", a.MinChange)
	case a.Bucket != "day" && a.Bucket != "hour":
		return fmt.Errorf("anomaly.bucket: %q is neither day nor hour", a.Bucket)
	}
	for i, h := range a.Holidays {
		if _, err := time.ParseInLocation(time.DateOnly, h, Shanghai); err != nil {
			return fmt.Errorf("anomaly.holidays[%d]: %q is not a date (YYYY-MM-DD)", i, h)
		}
	}
	seen := map[string]bool{}
	for i, v := range a.Volumes {
		at := fmt.Sprintf("anomaly.volumes[%d]", i)
		if !plainName.MatchString(v.Name) {
			return fmt.Errorf("%s.name: %q is not a plain identifier", at, v.Name)
		}
		if seen[v.Name] {
			return fmt.Errorf("%s.name: %q is named twice", at, v.Name)
		}
		seen[v.Name] = true
		if src, tbl := SplitTable(v.Table); src == "" || tbl == "" {
			return fmt.Errorf("%s.table: %q is not source.table", at, v.Table)
		}
		if strings.TrimSpace(v.TimeColumn) == "" {
			return fmt.Errorf("%s.time_column: missing", at)
		}
	}
	return nil
}

// Step is the length of one bucket.
func (a AnomalyRules) Step() time.Duration {
	if a.WithDefaults().Bucket == "hour" {
		return time.Hour
	}
	return 24 * time.Hour
}

// Holiday reports whether t falls on a holiday of the rules.
func (a AnomalyRules) Holiday(t time.Time) bool {
	return slices.Contains(a.Holidays, t.In(Shanghai).Format(time.DateOnly))
}

// VolumeJudgement is the anomaly check of one count against its history.
type VolumeJudgement struct {
	// Points is the number of weeks of history compared.
	Points int
	// Judged: there were at least MinWeeks of them.
	Judged bool
	// Median of the history; Spread the noise it is measured in: the
	// MAD scaled to a standard deviation (1.4826 × MAD), but never below
	// √median, the noise of a count of that size (a steady history has a
	// MAD of 0, and one row more would otherwise be infinitely unusual),
	// nor below 1.
	Median, Spread float64
	// Score is (x − Median) / Spread: negative for a drop.
	Score float64
	// Anomaly: |Score| ≥ Threshold and |x − Median| ≥ MinChange.
	Anomaly bool
}

// JudgeVolume compares the count x with its history (the same bucket of
// earlier weeks, holidays and buckets before the volume began already
// left out) under the rules a (defaults applied by the caller or here).
func JudgeVolume(x int64, history []int64, a AnomalyRules) VolumeJudgement {
	a = a.WithDefaults()
	j := VolumeJudgement{Points: len(history)}
	if len(history) < a.MinWeeks || len(history) == 0 {
		return j
	}
	j.Judged = true
	h := make([]float64, len(history))
	for i, v := range history {
		h[i] = float64(v)
	}
	j.Median = median(h)
	dev := make([]float64, len(h))
	for i, v := range h {
		dev[i] = math.Abs(v - j.Median)
	}
	j.Spread = max(1.4826*median(dev), math.Sqrt(j.Median), 1)
	d := float64(x) - j.Median
	j.Score = d / j.Spread
	j.Anomaly = math.Abs(j.Score) >= a.Threshold && math.Abs(d) >= float64(a.MinChange)
	return j
}

// median of v (which it sorts).
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
