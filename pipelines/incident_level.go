package pipelines

// An incident's facts and level by table 3-5, from its findings.

import (
	"sort"
	"strings"
	"time"
)

// Summarize fills in the incident's facts from its findings: targets,
// resources, verdicts, span, windows, rows, level, detection (the first
// sighting: the contract counts its limits "自故障申报时起"), the limits of
// table 3-5 from detection, and resolution (when every finding is
// resolved: the last resolution).
func Summarize(r IncidentRules, in Incident) Incident {
	r = r.WithDefaults()
	targets, resources, statuses := map[string]bool{}, map[string]bool{}, map[Status]bool{}
	windows := map[string]bool{}
	in.Missing, in.Extra, in.Duplicate = 0, 0, 0
	in.FirstWindowStart, in.LastWindowEnd, in.DetectedAt, in.ResolvedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	open := false
	for _, f := range in.Findings {
		targets[f.Target] = true
		resources[f.Resource] = true
		statuses[f.Status] = true
		windows[f.Target+"|"+f.Resource+"|"+f.WindowStart.UTC().Format(time.RFC3339Nano)] = true
		in.Missing += f.MissingRows()
		in.Extra += f.Extra
		in.Duplicate += f.Duplicate
		if in.FirstWindowStart.IsZero() || f.WindowStart.Before(in.FirstWindowStart) {
			in.FirstWindowStart = f.WindowStart
		}
		if f.WindowEnd.After(in.LastWindowEnd) {
			in.LastWindowEnd = f.WindowEnd
		}
		if !f.FirstSeen.IsZero() && (in.DetectedAt.IsZero() || f.FirstSeen.Before(in.DetectedAt)) {
			in.DetectedAt = f.FirstSeen
		}
		if f.ResolvedAt.IsZero() {
			open = true
		} else if f.ResolvedAt.After(in.ResolvedAt) {
			in.ResolvedAt = f.ResolvedAt
		}
	}
	if open {
		in.ResolvedAt = time.Time{}
	}
	in.Targets, in.Resources = sortedKeys(targets), sortedKeys(resources)
	in.Statuses = nil
	for _, s := range Statuses {
		if statuses[s] {
			in.Statuses = append(in.Statuses, s)
		}
	}
	in.Windows = len(windows)
	in.Level = IncidentLevel(r, in)
	in.RespondBy, in.ResolveBy = time.Time{}, time.Time{}
	if lim, ok := ResponseLimits[in.Level]; ok && !in.DetectedAt.IsZero() {
		in.RespondBy, in.ResolveBy = in.DetectedAt.Add(lim.Respond), in.DetectedAt.Add(lim.Resolve)
	}
	return in
}

// IncidentLevel is the level of an incident by table 3-5, the most severe
// that applies:
//   - a whole target down: WholeTargetLevel (一级: "系统中的关键设备或应用软件
//     出现故障，导致系统瘫痪，重要核心业务无法开展");
//   - a resource whose windows lost rows for DataLoss or longer:
//     DataLossLevel (一级: "重要数据丢失");
//   - an outage of one resource missing MajorRows rows or more: MajorLevel
//     (二级: "主要设备或应用软件出现故障…基本业务受到严重影响");
//   - otherwise the most severe level of its findings (fault_levels: 三级
//     "系统功能削弱，但大部分业务运作仍可正常工作" for a missed, failed or
//     short push; 四级 "软硬件临时性报错、某个单项功能" for a late,
//     duplicate or excess one); 4 when none has a level.
func IncidentLevel(r IncidentRules, in Incident) int {
	r = r.WithDefaults()
	level := 0
	worse := func(l int) {
		if l >= 1 && l <= 4 && (level == 0 || l < level) {
			level = l
		}
	}
	for _, f := range in.Findings {
		worse(f.Level)
	}
	if in.WholeTarget {
		worse(r.WholeTargetLevel)
	}
	lost := map[string][]IncidentFinding{}
	var missing int64
	for _, f := range in.Findings {
		if ClassOf(f.Status) != ClassOutage {
			continue
		}
		missing += f.MissingRows()
		if f.MissingRows() > 0 || f.Status == StatusMissed {
			k := f.Target + "|" + f.Resource
			lost[k] = append(lost[k], f)
		}
	}
	for _, fs := range lost {
		if covered(fs) >= r.DataLoss {
			worse(r.DataLossLevel)
		}
	}
	if r.MajorRows > 0 && missing >= r.MajorRows {
		worse(r.MajorLevel)
	}
	if level == 0 {
		level = 4
	}
	return level
}

// covered is the time the windows of fs cover, overlaps counted once.
func covered(fs []IncidentFinding) time.Duration {
	s := append([]IncidentFinding(nil), fs...)
	sort.Slice(s, func(i, j int) bool { return s[i].WindowStart.Before(s[j].WindowStart) })
	var sum time.Duration
	var from, to time.Time
	for i, f := range s {
		if i == 0 || f.WindowStart.After(to) {
			if i > 0 {
				sum += to.Sub(from)
			}
			from, to = f.WindowStart, f.WindowEnd
			continue
		}
		to = maxTime(to, f.WindowEnd)
	}
	if len(s) > 0 {
		sum += to.Sub(from)
	}
	return sum
}

// Interruption is how long an incident kept data from arriving: the span
// of its windows when it is an outage (some finding of ClassOutage), else
// zero. The stability rules of the assessment count it.
func (in Incident) Interruption() time.Duration {
	for _, f := range in.Findings {
		if ClassOf(f.Status) == ClassOutage {
			return in.LastWindowEnd.Sub(in.FirstWindowStart)
		}
	}
	return 0
}

// StatusList joins verdicts with commas.
func StatusList(ss []Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ",")
}
