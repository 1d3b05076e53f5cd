package alert_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// t0 is when the findings of these tests were first seen.
var t0 = time.Date(2026, 11, 21, 10, 21, 0, 0, pipelines.Shanghai)

// finding returns a finding of level first seen at t0 with the deadlines
// of table 3-5, as the findings ledger sets them.
func finding(id string, level int) alert.Finding {
	lim := pipelines.ResponseLimits[level]
	return alert.Finding{
		ID: id, Target: "city_gov", TargetName: "市网络理政中心", Resource: "case_record", ResourceName: "案件信息",
		WindowStart: t0.Add(-21 * time.Minute), WindowEnd: t0.Add(-11 * time.Minute),
		Status: pipelines.StatusMissed, Level: level, FirstSeen: t0,
		RespondBy: t0.Add(lim.Respond), ResolveBy: t0.Add(lim.Resolve),
	}
}

// defaultPolicy is the config's defaults: 三级 and above, hourly progress
// for 二级 and above.
var defaultPolicy = alert.Policy{MinLevel: 3, ProgressLevel: 2, RepeatInterval: time.Hour}

// describe renders a decision as "kind[#seq] (+covered, …)" or "none".
func describe(e alert.Event, ok bool) string {
	if !ok {
		return "none"
	}
	s := string(e.Kind)
	if e.Seq > 0 {
		s += fmt.Sprintf("#%d", e.Seq)
	}
	var covers []string
	for _, c := range e.Covers {
		cs := string(c.Kind)
		if c.Seq > 0 {
			cs += fmt.Sprintf("#%d", c.Seq)
		}
		covers = append(covers, cs)
	}
	if len(covers) > 0 {
		s += " (+" + strings.Join(covers, ", ") + ")"
	}
	return s
}

// TestDue quotes table 3-5 of the requirements: 一级 respond within 5 min
// and resolve within 2 h; 二级 10 min and 3 h; 三级 20 min and 4 h; 四级
// 30 min and 5 h; hourly progress reports for 二级 and above.
func TestDue(t *testing.T) {
	resolved := func(f alert.Finding, at time.Duration) alert.Finding { f.ResolvedAt = t0.Add(at); return f }
	responded := func(f alert.Finding, at time.Duration) alert.Finding { f.RespondedAt = t0.Add(at); return f }
	other := finding("f", 1)
	other.Target = "ministry"
	tests := []struct {
		name   string
		policy alert.Policy
		f      alert.Finding
		at     time.Duration // after first seen
		sent   []string      // kinds already delivered, "progress#1" style
		want   string
	}{
		{"一级 first seen: new", defaultPolicy, finding("f", 1), 0, nil, "new"},
		{"三级 first seen, group at 三级: new", defaultPolicy, finding("f", 3), 0, nil, "new"},
		{"四级, group at 三级: nothing", defaultPolicy, finding("f", 4), 0, nil, "none"},
		{"四级, group at 四级: new", alert.Policy{MinLevel: 4}, finding("f", 4), 0, nil, "new"},
		{"no level: nothing", alert.Policy{MinLevel: 4}, finding("f", 0), 0, nil, "none"},
		{"target outside the group: nothing", alert.Policy{MinLevel: 4, Targets: []string{"city_gov"}}, other, 0, nil, "none"},
		{"new already sent, before any deadline: nothing", defaultPolicy, finding("f", 2), 9 * time.Minute, []string{"new"}, "none"},

		{"一级 respond-by 5 min passed, nobody responded", defaultPolicy, finding("f", 1), 5 * time.Minute, []string{"new"}, "respond_overdue"},
		{"一级 4 min: not yet", defaultPolicy, finding("f", 1), 4 * time.Minute, []string{"new"}, "none"},
		{"二级 respond-by 10 min", defaultPolicy, finding("f", 2), 10 * time.Minute, []string{"new"}, "respond_overdue"},
		{"三级 respond-by 20 min", defaultPolicy, finding("f", 3), 20 * time.Minute, []string{"new"}, "respond_overdue"},
		{"三级 19 min: not yet", defaultPolicy, finding("f", 3), 19 * time.Minute, []string{"new"}, "none"},
		{"四级 respond-by 30 min", alert.Policy{MinLevel: 4}, finding("f", 4), 30 * time.Minute, []string{"new"}, "respond_overdue"},
		{"responded in time: no respond overdue", defaultPolicy, responded(finding("f", 2), 6*time.Minute), 15 * time.Minute, []string{"new"}, "none"},
		{"respond overdue sent once", defaultPolicy, finding("f", 3), 25 * time.Minute, []string{"new", "respond_overdue"}, "none"},

		{"二级 progress every hour: #1", defaultPolicy, finding("f", 2), time.Hour, []string{"new", "respond_overdue"}, "progress#1"},
		{"二级 progress #2", defaultPolicy, finding("f", 2), 2*time.Hour + 5*time.Minute, []string{"new", "respond_overdue", "progress#1"}, "progress#2"},
		{"progress after downtime: only the latest", defaultPolicy, finding("f", 2), 2*time.Hour + 30*time.Minute, []string{"new", "respond_overdue"}, "progress#2"},
		{"三级 gets no progress", defaultPolicy, finding("f", 3), 90 * time.Minute, []string{"new", "respond_overdue"}, "none"},
		{"progress while acknowledged", defaultPolicy, responded(finding("f", 1), time.Minute), time.Hour, []string{"new"}, "progress#1"},

		{"一级 resolve-by 2 h covers progress #2", defaultPolicy, finding("f", 1), 2 * time.Hour, []string{"new", "respond_overdue", "progress#1"}, "resolve_overdue (+progress#2)"},
		{"二级 resolve-by 3 h covers progress #3", defaultPolicy, finding("f", 2), 3 * time.Hour, []string{"new", "respond_overdue", "progress#1", "progress#2"}, "resolve_overdue (+progress#3)"},
		{"三级 resolve-by 4 h", defaultPolicy, finding("f", 3), 4 * time.Hour, []string{"new", "respond_overdue"}, "resolve_overdue"},
		{"四级 resolve-by 5 h", alert.Policy{MinLevel: 4, ProgressLevel: 2, RepeatInterval: time.Hour}, finding("f", 4), 5 * time.Hour, []string{"new", "respond_overdue"}, "resolve_overdue"},
		{"resolve overdue sent once, progress goes on", defaultPolicy, finding("f", 1), 3 * time.Hour, []string{"new", "respond_overdue", "resolve_overdue", "progress#2"}, "progress#3"},

		{"new after downtime covers what it is late for", defaultPolicy, finding("f", 1), 3 * time.Hour, nil, "new (+resolve_overdue, respond_overdue, progress#3)"},
		{"resolved after its new message", defaultPolicy, resolved(finding("f", 2), 40*time.Minute), 41 * time.Minute, []string{"new", "respond_overdue"}, "resolved"},
		{"resolved past its deadlines: only resolved", defaultPolicy, resolved(finding("f", 1), 4*time.Hour), 5 * time.Hour, []string{"new"}, "resolved"},
		{"resolved before any message: nothing", defaultPolicy, resolved(finding("f", 1), 30*time.Second), time.Minute, nil, "none"},
		{"resolved sent once", defaultPolicy, resolved(finding("f", 1), time.Hour), 2 * time.Hour, []string{"new", "resolved"}, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent := map[string]bool{}
			for _, k := range tc.sent {
				sent[tc.f.ID+"/"+strings.Replace(k, "#", "/", 1)] = true
			}
			e, ok := alert.Due(tc.policy, tc.f, t0.Add(tc.at), func(k string) bool { return sent[k] })
			if got := describe(e, ok); got != tc.want {
				t.Errorf("Due = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestEvent_Key(t *testing.T) {
	f := finding("abc", 2)
	for _, tc := range []struct {
		e    alert.Event
		want string
	}{
		{alert.Event{Kind: alert.KindNew, Finding: f}, "abc/new"},
		{alert.Event{Kind: alert.KindProgress, Finding: f, Seq: 3}, "abc/progress/3"},
		{alert.Event{Kind: alert.KindResolved, Finding: f}, "abc/resolved"},
	} {
		if got := tc.e.Key(); got != tc.want {
			t.Errorf("Key = %q, want %q", got, tc.want)
		}
	}
}

// runFailure is a failure of the daemon's snapshot pipeline first seen at
// t0.
func runFailure() alert.Finding {
	return alert.Finding{ID: "run-snapshot-1", Run: "snapshot", RunFailures: 1, FirstSeen: t0,
		Status: pipelines.StatusUnverifiable, Error: "snapshot: biz: dial tcp 127.0.0.1:3306: connection refused"}
}

// TestDue_RunFailure: a failed run of the auditor itself is told once
// when it starts failing and once when it works again, to the groups
// that are not limited to some targets; it has no deadlines and no
// progress messages (it is no fault of the contractor's).
func TestDue_RunFailure(t *testing.T) {
	sent := map[string]bool{}
	was := func(k string) bool { return sent[k] }
	f := runFailure()
	e, ok := alert.Due(defaultPolicy, f, t0, was)
	if describe(e, ok) != "new" {
		t.Fatalf("first failure: %s, want new", describe(e, ok))
	}
	sent[e.Key()] = true
	for _, at := range []time.Duration{time.Minute, time.Hour, 5 * time.Hour, 30 * time.Hour} {
		f.RunFailures++
		if e, ok := alert.Due(defaultPolicy, f, t0.Add(at), was); ok {
			t.Errorf("still failing after %v: %s, want none", at, describe(e, ok))
		}
	}
	f.ResolvedAt = t0.Add(31 * time.Hour)
	e, ok = alert.Due(defaultPolicy, f, f.ResolvedAt, was)
	if describe(e, ok) != "resolved" {
		t.Fatalf("working again: %s, want resolved", describe(e, ok))
	}
	district := alert.Policy{MinLevel: 4, Targets: []string{"jinniu"}, ProgressLevel: 2, RepeatInterval: time.Hour}
	if e, ok := alert.Due(district, runFailure(), t0, func(string) bool { return false }); ok {
		t.Errorf("a district's group is told about the auditor's run: %s", describe(e, ok))
	}
	if !(alert.Policy{MinLevel: 1}).Matches(runFailure()) {
		t.Error("a group of 一级 only is not told that the audit stopped working")
	}
}
