package pipelines

// Incidents: faults as the operations contract counts them (故障). The
// contract gives one fault one level, one response limit and one resolve
// limit (table 3-5, "系统故障等级划分及要求"), one summary report
// ("故障结束一周内应向上级部门提交故障处置总结报告") and one deduction. The
// reconciliation judges windows; this file groups the findings of one
// outage into one incident, incident_rules.go holds the configurable
// rules, incident_level.go an incident's facts and level. They are pure
// functions: the ledger applies them after each run, and the tests quote
// the sentence each rule implements.

import (
	"crypto/sha1"
	"encoding/hex"
	"sort"
	"time"
)

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
	list := failingFindings(fs)
	u := newUnion(len(list))

	// Rule 1: runs of one target × resource × class.
	runs := failureRuns(r, list, u)

	// Rule 2: outage runs of one target failing together.
	whole := joinWholeTargets(r, runs, u) // union roots of whole-target incidents
	// Rule 4: findings of one existing incident stay together.
	joinExistingIncidents(list, u)
	isWhole := map[int]bool{}
	for i := range whole {
		isWhole[u.find(i)] = true
	}

	return buildIncidents(r, list, u, isWhole)
}

// failingFindings is the findings of fs with a failure class, ordered by
// target, resource, class, window start and id: the order the runs of
// rule 1 are read in.
func failingFindings(fs []IncidentFinding) []IncidentFinding {
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
	return list
}

// failureRun is a run of rule 1: consecutive windows of one target ×
// resource × class.
type failureRun struct {
	first, last int       // indexes in list
	pushFrom    time.Time // first window end
	pushTo      time.Time // last window end
	target      string
	resource    string
	class       FailureClass
}

// failureRuns applies rule 1 to list (ordered by failingFindings): it
// joins in u the findings of each run and returns the runs in list order.
func failureRuns(r IncidentRules, list []IncidentFinding, u *union) []failureRun {
	var runs []failureRun
	for i, f := range list {
		if n := len(runs); n > 0 {
			cur := &runs[n-1]
			p := list[cur.last]
			if p.Target == f.Target && p.Resource == f.Resource && ClassOf(p.Status) == ClassOf(f.Status) &&
				!f.WindowStart.After(p.WindowEnd.Add(r.Gap)) {
				u.join(cur.first, i)
				if f.WindowEnd.After(p.WindowEnd) {
					cur.last = i
				}
				if f.WindowEnd.After(cur.pushTo) {
					cur.pushTo = f.WindowEnd
				}
				continue
			}
		}
		runs = append(runs, failureRun{first: i, last: i, pushFrom: f.WindowEnd, pushTo: f.WindowEnd,
			target: f.Target, resource: f.Resource, class: ClassOf(f.Status)})
	}
	return runs
}

// joinWholeTargets applies rule 2: per target, the outage runs whose
// pushes fail together are joined in u when they span WholeTarget
// resources or more. It returns, for each of those whole-target
// incidents, the list index of its first finding (a member of it in u,
// whose root the caller finds once every rule has joined).
func joinWholeTargets(r IncidentRules, runs []failureRun, u *union) map[int]bool {
	whole := map[int]bool{}
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
	return whole
}

// joinExistingIncidents applies rule 4: the findings of list already in
// one incident are joined in u.
func joinExistingIncidents(list []IncidentFinding, u *union) {
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
}

// buildIncidents makes one incident of each set of u (isWhole: the roots
// of whole-target incidents), its findings in list order, summarised and
// ordered by first window, target and id.
func buildIncidents(r IncidentRules, list []IncidentFinding, u *union, isWhole map[int]bool) []Incident {
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
