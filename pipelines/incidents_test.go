package pipelines_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// fx builds findings by hand, not by the reconciliation: window after
// window of one resource.
type fx struct {
	target, resource string
	status           pipelines.Status
	level            int
	from             time.Time
	step             time.Duration
	n                int
	missing          int64 // rows missing per window
	incident         string
	resolved         bool
}

func (x fx) findings() []pipelines.IncidentFinding {
	var out []pipelines.IncidentFinding
	for i := 0; i < x.n; i++ {
		s := x.from.Add(time.Duration(i) * x.step)
		f := pipelines.IncidentFinding{
			ID:     fmt.Sprintf("%s/%s/%s/%s", x.target, x.resource, s.Format("0102T1504"), x.status),
			Target: x.target, Resource: x.resource, WindowStart: s, WindowEnd: s.Add(x.step),
			Status: x.status, Level: x.level, FirstSeen: s.Add(x.step + 5*time.Minute),
			Expected: x.missing, Received: 0, Missing: x.missing, Incident: x.incident,
		}
		if x.resolved {
			f.ResolvedAt = s.Add(24 * time.Hour)
		}
		out = append(out, f)
	}
	return out
}

func build(xs ...fx) []pipelines.IncidentFinding {
	var out []pipelines.IncidentFinding
	for _, x := range xs {
		out = append(out, x.findings()...)
	}
	return out
}

// shape lists each incident as "targets:resources:windows:level", sorted.
func shape(ins []pipelines.Incident) []string {
	var out []string
	for _, in := range ins {
		out = append(out, fmt.Sprintf("%s:%s:%d:L%d", strings.Join(in.Targets, ","), strings.Join(in.Resources, ","), in.Windows, in.Level))
	}
	sort.Strings(out)
	return out
}

const (
	m10 = 10 * time.Minute
	h1  = time.Hour
	day = 24 * time.Hour
)

// TestGroupIncidents holds the grouping to DESIGN.md's incident ("a fault
// as the contract counts it (故障): the findings of one outage grouped (a
// target down across resources and windows, or one resource failing
// window after window); one level, one respond-by and one resolve-by")
// and to table 3-5's levels.
func TestGroupIncidents(t *testing.T) {
	at := sh(2026, 11, 20, 10, 0)
	def := pipelines.DefaultIncidentRules()
	tests := []struct {
		name  string
		rules pipelines.IncidentRules
		in    []pipelines.IncidentFinding
		want  []string
	}{
		{"one resource failing window after window is one incident", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 18, missing: 5}),
			[]string{"city_gov:cases:18:L3"}},
		{"a window that is ok between two failures splits them (gap 0)", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(40 * time.Minute), step: m10, n: 2}),
			[]string{"city_gov:cases:2:L3", "city_gov:cases:3:L3"}},
		{"a gap tolerance of one window bridges it", pipelines.IncidentRules{Gap: m10},
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(40 * time.Minute), step: m10, n: 2}),
			[]string{"city_gov:cases:5:L3"}},
		{"failing another way is another incident", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusLate, level: 4, from: at.Add(20 * time.Minute), step: m10, n: 2}),
			[]string{"city_gov:cases:2:L3", "city_gov:cases:2:L4"}},
		{"missed then short is one outage", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusShort, level: 3, from: at.Add(20 * time.Minute), step: m10, n: 1}),
			[]string{"city_gov:cases:3:L3"}},
		{"a target down: three resources failing together are one 一级 incident", def,
			build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusStale, level: 2, from: at, step: m10, n: 18},
				fx{target: "pengzhou", resource: "b", status: pipelines.StatusStale, level: 2, from: at, step: m10, n: 18},
				fx{target: "pengzhou", resource: "c", status: pipelines.StatusStale, level: 2, from: at, step: h1, n: 3}),
			[]string{"pengzhou:a,b,c:39:L1"}},
		{"two resources failing together stay two incidents (whole_target 3)", def,
			build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3},
				fx{target: "pengzhou", resource: "b", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3}),
			[]string{"pengzhou:a:3:L3", "pengzhou:b:3:L3"}},
		{"whole_target 2 makes them one", pipelines.IncidentRules{WholeTarget: 2},
			build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3},
				fx{target: "pengzhou", resource: "b", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3}),
			[]string{"pengzhou:a,b:6:L1"}},
		{"resources failing hours apart do not fail together", def,
			build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2},
				fx{target: "pengzhou", resource: "b", status: pipelines.StatusMissed, level: 3, from: at.Add(3 * h1), step: m10, n: 2},
				fx{target: "pengzhou", resource: "c", status: pipelines.StatusMissed, level: 3, from: at.Add(6 * h1), step: m10, n: 2}),
			[]string{"pengzhou:a:2:L3", "pengzhou:b:2:L3", "pengzhou:c:2:L3"}},
		{"other targets at the same time are other incidents", def,
			build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2},
				fx{target: "chenghua", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2},
				fx{target: "ministry", resource: "a", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2}),
			[]string{"chenghua:a:2:L3", "ministry:a:2:L3", "pengzhou:a:2:L3"}},
		{"unverifiable never forms a fault", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusUnverifiable, level: 4, from: at, step: m10, n: 6}),
			nil},
		{"unverifiable windows between failures do not join them", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 1},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusUnverifiable, level: 4, from: at.Add(m10), step: m10, n: 1},
				fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(2 * m10), step: m10, n: 1}),
			[]string{"city_gov:cases:1:L3", "city_gov:cases:1:L3"}},
		// 二级 "处理性能严重下降，基本业务受到严重影响" / 三级 "系统功能削弱，但大部分业务运作仍可正常工作": by volume.
		{"one resource missing 1,000 rows or more is 二级", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusShort, level: 3, from: at, step: m10, n: 4, missing: 250}),
			[]string{"city_gov:cases:4:L2"}},
		{"one resource missing fewer rows is 三级", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusShort, level: 3, from: at, step: m10, n: 4, missing: 249}),
			[]string{"city_gov:cases:4:L3"}},
		// 一级 "重要数据丢失".
		{"a day of data lost at a resource is 一级", def,
			build(fx{target: "city_cgw", resource: "daily", status: pipelines.StatusMissed, level: 3, from: at, step: day, n: 1, missing: 10}),
			[]string{"city_cgw:daily:1:L1"}},
		{"a day of data lost with data_loss 48h is not", pipelines.IncidentRules{DataLoss: 48 * h1},
			build(fx{target: "city_cgw", resource: "daily", status: pipelines.StatusMissed, level: 3, from: at, step: day, n: 1, missing: 10}),
			[]string{"city_cgw:daily:1:L3"}},
		// 四级 "软硬件临时性报错、某个单项功能".
		{"late but complete is 四级", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusLate, level: 4, from: at, step: day, n: 3}),
			[]string{"city_gov:cases:3:L4"}},
		{"a day of late windows loses nothing: still 四级", def,
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusLate, level: 4, from: at, step: m10, n: 144}),
			[]string{"city_gov:cases:144:L4"}},
		{"major_level 3 keeps a large outage 三级", pipelines.IncidentRules{MajorLevel: 3},
			build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusShort, level: 3, from: at, step: m10, n: 4, missing: 250}),
			[]string{"city_gov:cases:4:L3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shape(pipelines.GroupIncidents(tc.rules, tc.in))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("incidents %v, want %v", got, tc.want)
			}
		})
	}
}

// TestGroupIncidents_Continues: "a finding joins an open incident when it
// continues it" (issue 11), and one incident "resolves when all its
// findings do".
func TestGroupIncidents_Continues(t *testing.T) {
	at := sh(2026, 11, 20, 10, 0)
	def := pipelines.DefaultIncidentRules()
	first := pipelines.GroupIncidents(def, build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3}))
	if len(first) != 1 {
		t.Fatalf("first run: %d incidents, want 1", len(first))
	}
	id := first[0].ID
	if !strings.HasPrefix(id, "INC-20261120-") {
		t.Errorf("id %q, want INC-20261120-…", id)
	}
	// The next run sees the next two windows; the ledger passes the open
	// incident's findings with their incident.
	members := first[0].Findings
	for i := range members {
		members[i].Incident = id
	}
	next := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(3 * m10), step: m10, n: 2})
	got := pipelines.GroupIncidents(def, append(members, next...))
	if len(got) != 1 || got[0].ID != id || got[0].Windows != 5 {
		t.Fatalf("continued: %v, want one incident %s of 5 windows", shape(got), id)
	}
	if !got[0].Open() {
		t.Errorf("open findings, incident resolved at %v", got[0].ResolvedAt)
	}
	if want := got[0].Findings[0].FirstSeen; !got[0].DetectedAt.Equal(want) {
		t.Errorf("detected at %v, want the first sighting %v", got[0].DetectedAt, want)
	}

	// A finding after a gap starts a new incident even with one open.
	later := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(2 * h1), step: m10, n: 1})
	got = pipelines.GroupIncidents(def, append(members, later...))
	if len(got) != 2 || got[0].ID != id || got[1].ID == id {
		t.Errorf("after a gap: %v (ids %s, %s), want the open one and a new one", shape(got), got[0].ID, got[len(got)-1].ID)
	}

	// Two open incidents bridged by a new window become one: the one
	// detected first keeps its id.
	a := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 2, incident: "INC-A"})
	b := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(3 * m10), step: m10, n: 2, incident: "INC-B"})
	bridge := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at.Add(2 * m10), step: m10, n: 1})
	got = pipelines.GroupIncidents(def, append(append(b, a...), bridge...))
	if len(got) != 1 || got[0].ID != "INC-A" || fmt.Sprint(got[0].Absorbed) != "[INC-B]" || got[0].Windows != 5 {
		t.Errorf("bridged: %v id %s absorbed %v, want INC-A of 5 windows absorbing INC-B", shape(got), got[0].ID, got[0].Absorbed)
	}

	// Resolution: when every finding is resolved, at the last resolution.
	res := build(fx{target: "city_gov", resource: "cases", status: pipelines.StatusMissed, level: 3, from: at, step: m10, n: 3, resolved: true})
	got = pipelines.GroupIncidents(def, res)
	if len(got) != 1 || got[0].Open() || !got[0].ResolvedAt.Equal(res[2].ResolvedAt) {
		t.Errorf("all resolved: resolved at %v, want %v", got[0].ResolvedAt, res[2].ResolvedAt)
	}
	res[1].ResolvedAt = time.Time{}
	if got = pipelines.GroupIncidents(def, res); !got[0].Open() {
		t.Errorf("one finding open: incident resolved at %v, want open", got[0].ResolvedAt)
	}
}

// TestSummarize_Limits: table 3-5 counts the limits "自故障申报时起": from
// detection, the first sighting of any of the incident's findings.
func TestSummarize_Limits(t *testing.T) {
	at := sh(2026, 11, 20, 10, 0)
	fs := build(fx{target: "pengzhou", resource: "a", status: pipelines.StatusStale, level: 2, from: at, step: m10, n: 6},
		fx{target: "pengzhou", resource: "b", status: pipelines.StatusStale, level: 2, from: at, step: m10, n: 6},
		fx{target: "pengzhou", resource: "c", status: pipelines.StatusStale, level: 2, from: at, step: m10, n: 6})
	got := pipelines.GroupIncidents(pipelines.IncidentRules{}, fs)
	if len(got) != 1 {
		t.Fatalf("%d incidents, want 1", len(got))
	}
	in := got[0]
	detected := at.Add(15 * time.Minute)
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{
		{"detected", in.DetectedAt, detected},
		{"respond by (一级 5 分钟)", in.RespondBy, detected.Add(5 * time.Minute)},
		{"resolve by (一级 2 小时)", in.ResolveBy, detected.Add(2 * time.Hour)},
		{"first window", in.FirstWindowStart, at},
		{"last window end", in.LastWindowEnd, at.Add(time.Hour)},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if !in.WholeTarget || in.Interruption() != time.Hour {
		t.Errorf("whole target %v, interruption %v; want true, 1h", in.WholeTarget, in.Interruption())
	}
	if fmt.Sprint(in.Statuses) != "[stale]" {
		t.Errorf("statuses %v", in.Statuses)
	}
}

// TestIncidentRules_ReportOwed: "运维管理部门在故障结束一周内应向上级部门提
// 交故障处置总结报告" for faults of 二级 and above.
func TestIncidentRules_ReportOwed(t *testing.T) {
	resolved := sh(2026, 11, 20, 12, 0)
	r := pipelines.DefaultIncidentRules()
	for _, tc := range []struct {
		level    int
		resolved time.Time
		want     bool
	}{
		{1, resolved, true}, {2, resolved, true}, {3, resolved, false}, {4, resolved, false}, {1, time.Time{}, false},
	} {
		owed, due := r.ReportOwed(pipelines.Incident{Level: tc.level, ResolvedAt: tc.resolved})
		if owed != tc.want {
			t.Errorf("level %d resolved %v: owed %v, want %v", tc.level, tc.resolved, owed, tc.want)
		}
		if owed && !due.Equal(resolved.AddDate(0, 0, 7)) {
			t.Errorf("level %d: due %v, want a week after resolution", tc.level, due)
		}
	}
}

func TestIncidentRules_Validate(t *testing.T) {
	for _, tc := range []struct {
		r    pipelines.IncidentRules
		want string
	}{
		{pipelines.DefaultIncidentRules(), ""},
		{pipelines.IncidentRules{}, ""},
		{pipelines.IncidentRules{Gap: -time.Minute}, "incidents.gap"},
		{pipelines.IncidentRules{WholeTargetLevel: 5}, "incidents.whole_target_level: 5"},
		{pipelines.IncidentRules{MajorRows: -1}, "incidents.major_rows"},
	} {
		err := tc.r.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.r, err, tc.want)
		}
	}
}
