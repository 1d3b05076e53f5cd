package pipelines

// The rules of incidents: the failure classes that group findings, the
// configurable grouping and level rules, and the summary report owed.

import (
	"fmt"
	"time"
)

// FailureClass is the way a window fails, for "failing the same way":
// findings of one resource continue one incident only within a class.
type FailureClass string

// The classes of the finding verdicts.
const (
	// ClassOutage: the data did not arrive (missed, stale, failed, short).
	ClassOutage FailureClass = "outage"
	// ClassSurplus: the target holds more than the source (excess,
	// duplicate).
	ClassSurplus FailureClass = "surplus"
	// ClassMismatch: counts agree, values differ.
	ClassMismatch FailureClass = "mismatch"
	// ClassLate: complete, but after the deadline.
	ClassLate FailureClass = "late"
	// ClassAnomaly: a source's own volume left its history.
	ClassAnomaly FailureClass = "anomaly"
	// ClassNone: not a fault (ok, pending, unverifiable).
	ClassNone FailureClass = ""
)

// ClassOf is the failure class of a verdict. unverifiable is the
// auditor's own failure (the source could not be trusted), not the
// contractor's: it has no class and never forms or joins an incident.
func ClassOf(s Status) FailureClass {
	switch s {
	case StatusMissed, StatusStale, StatusFailed, StatusShort:
		return ClassOutage
	case StatusExcess, StatusDuplicate:
		return ClassSurplus
	case StatusMismatch:
		return ClassMismatch
	case StatusLate:
		return ClassLate
	case StatusAnomaly:
		return ClassAnomaly
	}
	return ClassNone
}

// IncidentRules are the grouping and level rules of incidents (config key
// `incidents:`). Zero fields take the defaults (DefaultIncidentRules).
type IncidentRules struct {
	// Gap: windows of one resource at most this far apart (the next
	// window starting no later than Gap after the previous one ended)
	// continue one incident; pushes of resources of one target failing at
	// most this far apart fail together. 0: the windows must touch.
	Gap time.Duration `yaml:"gap"`
	// WholeTarget: this many resources of one target failing to arrive
	// (ClassOutage) together make one incident of the whole target.
	WholeTarget int `yaml:"whole_target"`
	// WholeTargetLevel is the level of a whole target down (一级: "导致
	// 系统瘫痪，重要核心业务无法开展").
	WholeTargetLevel int `yaml:"whole_target_level"`
	// DataLoss: a resource whose windows lost rows for this long in one
	// incident has lost important data (重要数据丢失): DataLossLevel.
	DataLoss      time.Duration `yaml:"data_loss"`
	DataLossLevel int           `yaml:"data_loss_level"`
	// MajorRows: an outage of one resource missing at least this many
	// rows is MajorLevel (二级: "基本业务受到严重影响"); fewer rows keep
	// the level of its findings (三级 for missed, failed, short by the
	// fault_levels defaults: "系统功能削弱，但大部分业务运作仍可正常工作").
	MajorRows  int64 `yaml:"major_rows"`
	MajorLevel int   `yaml:"major_level"`
	// ReportLevel: resolved incidents of this level or above (一级..) owe
	// a summary report (故障处置总结报告) within ReportDue of resolution.
	ReportLevel int           `yaml:"report_level"`
	ReportDue   time.Duration `yaml:"report_due"`
}

// DefaultIncidentRules are the defaults a reader of table 3-5 would
// accept: a whole target down (3 resources failing together) or a day
// of data lost at a resource is 一级; one resource missing 1,000 rows or
// more is 二级, fewer 三级 (its findings' level); late but complete 四级;
// windows must touch; a summary report for 二级 and above within 7 days.
func DefaultIncidentRules() IncidentRules {
	return IncidentRules{
		WholeTarget: 3, WholeTargetLevel: 1,
		DataLoss: 24 * time.Hour, DataLossLevel: 1,
		MajorRows: 1000, MajorLevel: 2,
		ReportLevel: 2, ReportDue: 7 * 24 * time.Hour,
	}
}

// WithDefaults returns r with every zero field set to its default.
func (r IncidentRules) WithDefaults() IncidentRules {
	d := DefaultIncidentRules()
	if r.WholeTarget == 0 {
		r.WholeTarget = d.WholeTarget
	}
	if r.WholeTargetLevel == 0 {
		r.WholeTargetLevel = d.WholeTargetLevel
	}
	if r.DataLoss == 0 {
		r.DataLoss = d.DataLoss
	}
	if r.DataLossLevel == 0 {
		r.DataLossLevel = d.DataLossLevel
	}
	if r.MajorRows == 0 {
		r.MajorRows = d.MajorRows
	}
	if r.MajorLevel == 0 {
		r.MajorLevel = d.MajorLevel
	}
	if r.ReportLevel == 0 {
		r.ReportLevel = d.ReportLevel
	}
	if r.ReportDue == 0 {
		r.ReportDue = d.ReportDue
	}
	return r
}

// Validate checks the rules, naming the config field.
func (r IncidentRules) Validate() error {
	switch {
	case r.Gap < 0:
		return fmt.Errorf("incidents.gap: %s is negative", r.Gap)
	case r.WholeTarget < 0:
		return fmt.Errorf("incidents.whole_target: %d is negative", r.WholeTarget)
	case r.DataLoss < 0:
		return fmt.Errorf("incidents.data_loss: %s is negative", r.DataLoss)
	case r.MajorRows < 0:
		return fmt.Errorf("incidents.major_rows: %d is negative", r.MajorRows)
	case r.ReportDue < 0:
		return fmt.Errorf("incidents.report_due: %s is negative", r.ReportDue)
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"whole_target_level", r.WholeTargetLevel}, {"data_loss_level", r.DataLossLevel}, {"major_level", r.MajorLevel}, {"report_level", r.ReportLevel}} {
		if l.v < 0 || l.v > 4 {
			return fmt.Errorf("incidents.%s: %d is not a level 1..4", l.name, l.v)
		}
	}
	return nil
}

// ReportOwed reports whether the incident owes a summary report
// (故障处置总结报告): it is resolved and of ReportLevel or above ("运维管理
// 部门在故障结束一周内应向上级部门提交故障处置总结报告"; the contract asks
// it of 二级 and above by default), and when it is due.
func (r IncidentRules) ReportOwed(in Incident) (owed bool, due time.Time) {
	r = r.WithDefaults()
	if in.ResolvedAt.IsZero() || in.Level < 1 || in.Level > r.ReportLevel {
		return false, time.Time{}
	}
	return true, in.ResolvedAt.Add(r.ReportDue)
}
