package pipelines

// Incidents: faults as the operations contract counts them (故障). The
// contract gives one fault one level, one response limit and one resolve
// limit (table 3-5, "系统故障等级划分及要求"), one summary report
// ("故障结束一周内应向上级部门提交故障处置总结报告") and one deduction. The
// reconciliation judges windows; the rules below group the findings of
// one outage into one incident. They are pure functions: the ledger
// applies them after each run, the tests below quote the sentence each
// rule implements.

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
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

// IncidentFinding is what the grouping needs of one finding.
type IncidentFinding struct {
	ID                     string
	Target, Resource       string
	WindowStart, WindowEnd time.Time
	Status                 Status
	Level                  int // the finding's own level (LevelRules); 0: none
	FirstSeen, ResolvedAt  time.Time
	// Rows: expected and received (negative: unknown), and the keys
	// missing, extra and received more than once.
	Expected, Received        int64
	Missing, Extra, Duplicate int64
	// Incident is the incident the finding already belongs to ("": none
	// yet).
	Incident string
}

// MissingRows is the rows the finding lacks: its missing keys, or the
// shortfall of received against expected where that is larger.
func (f IncidentFinding) MissingRows() int64 {
	n := f.Missing
	if ClassOf(f.Status) == ClassOutage && f.Expected >= 0 && f.Received >= 0 && f.Expected-f.Received > n {
		n = f.Expected - f.Received
	}
	return n
}

// Incident is one fault: the findings of one outage.
type Incident struct {
	ID string
	// WholeTarget: the incident is a target down (WholeTarget resources
	// failing together).
	WholeTarget bool
	Findings    []IncidentFinding
	// Absorbed are the existing incidents merged into this one (a finding
	// bridged them).
	Absorbed []string

	Targets, Resources              []string
	Statuses                        []Status
	FirstWindowStart, LastWindowEnd time.Time
	Windows                         int
	Missing, Extra, Duplicate       int64
	Level                           int
	DetectedAt, ResolvedAt          time.Time // ResolvedAt zero: open
	RespondBy, ResolveBy            time.Time
}

// Open reports whether some finding of the incident is not resolved.
func (in Incident) Open() bool { return in.ResolvedAt.IsZero() }

// GroupIncidents groups findings into incidents. The findings are the
// new ones (Incident "") and every finding of the incidents still open
// (Incident set): a finding joins an open incident when it continues it,
// and two open incidents a finding bridges become one (the one detected
// first keeps its id). Findings without a failure class (unverifiable)
// are left out. The rules, in order:
//
//  1. consecutive windows of one resource failing the same way (one
//     FailureClass; the next window starting within Gap of the previous
//     end) are one run;
//  2. runs of one target failing to arrive (ClassOutage) whose pushes fail
//     together (window ends within Gap of each other's span) form one
//     incident of the whole target when they span WholeTarget resources
//     or more;
//  3. every other run is one incident;
//  4. findings already in one incident stay together.
//
// Incidents come back ordered by first window, target and id, each
// summarised (Summarize).
func GroupIncidents(r IncidentRules, fs []IncidentFinding) []Incident {
	r = r.WithDefaults()
	var list []IncidentFinding
	for _, f := range fs {
		if ClassOf(f.Status) != ClassNone {
			list = append(list, f)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if ca, cb := ClassOf(a.Status), ClassOf(b.Status); ca != cb {
			return ca < cb
		}
		if !a.WindowStart.Equal(b.WindowStart) {
			return a.WindowStart.Before(b.WindowStart)
		}
		return a.ID < b.ID
	})
	u := newUnion(len(list))

	// Rule 1: runs of one target × resource × class.
	type run struct {
		first, last int       // indexes in list
		pushFrom    time.Time // first window end
		pushTo      time.Time // last window end
		target      string
		resource    string
		class       FailureClass
	}
	var runs []run
	for i, f := range list {
		if n := len(runs); n > 0 {
			cur := &runs[n-1]
			p := list[cur.last]
			if p.Target == f.Target && p.Resource == f.Resource && ClassOf(p.Status) == ClassOf(f.Status) &&
				!f.WindowStart.After(maxTime(p.WindowEnd, list[cur.last].WindowEnd).Add(r.Gap)) {
				u.join(cur.first, i)
				if f.WindowEnd.After(list[cur.last].WindowEnd) {
					cur.last = i
				}
				if f.WindowEnd.After(cur.pushTo) {
					cur.pushTo = f.WindowEnd
				}
				continue
			}
		}
		runs = append(runs, run{first: i, last: i, pushFrom: f.WindowEnd, pushTo: f.WindowEnd,
			target: f.Target, resource: f.Resource, class: ClassOf(f.Status)})
	}

	// Rule 2: outage runs of one target failing together.
	whole := map[int]bool{} // union roots of whole-target incidents
	byTarget := map[string][]int{}
	var targets []string
	for i, rn := range runs {
		if rn.class != ClassOutage {
			continue
		}
		if _, ok := byTarget[rn.target]; !ok {
			targets = append(targets, rn.target)
		}
		byTarget[rn.target] = append(byTarget[rn.target], i)
	}
	for _, t := range targets {
		idx := byTarget[t]
		sort.SliceStable(idx, func(a, b int) bool { return runs[idx[a]].pushFrom.Before(runs[idx[b]].pushFrom) })
		for k := 0; k < len(idx); {
			end := runs[idx[k]].pushTo
			j := k + 1
			for j < len(idx) && !runs[idx[j]].pushFrom.After(end.Add(r.Gap)) {
				end = maxTime(end, runs[idx[j]].pushTo)
				j++
			}
			res := map[string]bool{}
			for _, x := range idx[k:j] {
				res[runs[x].resource] = true
			}
			if r.WholeTarget > 0 && len(res) >= r.WholeTarget {
				for _, x := range idx[k+1 : j] {
					u.join(runs[idx[k]].first, runs[x].first)
				}
				whole[runs[idx[k]].first] = true
			}
			k = j
		}
	}
	// Rule 4: findings of one existing incident stay together.
	byIncident := map[string]int{}
	for i, f := range list {
		if f.Incident == "" {
			continue
		}
		if j, ok := byIncident[f.Incident]; ok {
			u.join(i, j)
		} else {
			byIncident[f.Incident] = i
		}
	}
	isWhole := map[int]bool{}
	for i := range whole {
		isWhole[u.find(i)] = true
	}

	groups := map[int][]IncidentFinding{}
	var roots []int
	for i, f := range list {
		root := u.find(i)
		if _, ok := groups[root]; !ok {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], f)
	}
	out := make([]Incident, 0, len(roots))
	for _, root := range roots {
		in := Incident{WholeTarget: isWhole[root], Findings: groups[root]}
		in.ID, in.Absorbed = incidentID(in.Findings)
		out = append(out, Summarize(r, in))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.FirstWindowStart.Equal(b.FirstWindowStart) {
			return a.FirstWindowStart.Before(b.FirstWindowStart)
		}
		if a.Targets[0] != b.Targets[0] {
			return a.Targets[0] < b.Targets[0]
		}
		return a.ID < b.ID
	})
	return out
}

// incidentID is the id of a group: the id of the existing incident its
// findings were detected in first (the others absorbed), or a new one
// made of the first window's day and a hash of its first finding's id.
func incidentID(fs []IncidentFinding) (id string, absorbed []string) {
	first := map[string]time.Time{}
	for _, f := range fs {
		if f.Incident == "" {
			continue
		}
		if t, ok := first[f.Incident]; !ok || f.FirstSeen.Before(t) {
			first[f.Incident] = f.FirstSeen
		}
	}
	if len(first) > 0 {
		var ids []string
		for k := range first {
			ids = append(ids, k)
		}
		sort.Slice(ids, func(i, j int) bool {
			if !first[ids[i]].Equal(first[ids[j]]) {
				return first[ids[i]].Before(first[ids[j]])
			}
			return ids[i] < ids[j]
		})
		return ids[0], ids[1:]
	}
	min := fs[0]
	for _, f := range fs[1:] {
		if f.WindowStart.Before(min.WindowStart) || (f.WindowStart.Equal(min.WindowStart) && f.ID < min.ID) {
			min = f
		}
	}
	h := sha1.Sum([]byte(min.ID))
	return "INC-" + min.WindowStart.In(Shanghai).Format("20060102") + "-" + hex.EncodeToString(h[:3]), nil
}

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

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// StatusList joins verdicts with commas.
func StatusList(ss []Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ",")
}

// union is a disjoint-set forest over 0..n-1.
type union struct{ parent []int }

func newUnion(n int) *union {
	u := &union{parent: make([]int, n)}
	for i := range u.parent {
		u.parent[i] = i
	}
	return u
}

func (u *union) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// join unites the sets of a and b; the smaller root stays root.
func (u *union) join(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
}
