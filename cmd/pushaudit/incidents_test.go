package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/ledger"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustIncidentWarehouse is the ack warehouse (two findings of two
// targets) grouped into its incidents: one per finding.
func MustIncidentWarehouse(t *testing.T) (config string, ids map[string]string) {
	t.Helper()
	config, wh := MustAckWarehouse(t)
	ctx := context.Background()
	w, err := warehouse.Open(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n, err := ledger.NewIncidents(w.DB()).Group(ctx, "r", pipelines.IncidentRules{}); err != nil || n != 2 {
		t.Fatalf("Group: %d, %v; want 2 incidents", n, err)
	}
	list, err := ledger.NewIncidents(w.DB()).List(ctx, time.Time{}, time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	ids = map[string]string{}
	for _, in := range list {
		ids[in.Targets[0]] = in.ID
	}
	return config, ids
}

func TestMain_Run_Incidents(t *testing.T) {
	isolateEnv(t)
	config, ids := MustIncidentWarehouse(t)

	r := MustRunMain(t, exitOK, "--config", config, "incidents", "--format", "json")
	var got []map[string]any
	for _, l := range lines(r.stdout) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("%d incidents, want 2:\n%s", len(got), r.stdout)
	}
	for _, name := range []string{"id", "targets", "resources", "first_window_start", "last_window_end", "windows", "statuses",
		"level", "detected_at", "respond_by", "resolve_by", "responded_at", "resolved_at"} {
		if _, ok := got[0][name]; !ok {
			t.Errorf("json has no %q: %v", name, got[0])
		}
	}
	// ministry first (window 08:00): 一级 by its finding, respond by 00:15,
	// overdue at the config's clock 00:25.
	m := got[0]
	if m["id"] != ids["ministry"] || m["level"] != 1.0 || m["respond_by"] != "2026-11-21T00:15:00+08:00" || m["response"] != "overdue" ||
		m["first_window_start"] != "2026-11-20T08:00:00+08:00" || m["responded_at"] != nil {
		t.Errorf("ministry incident: %v", m)
	}

	// ack --incident, with a summary report.
	report := MustWriteFile(t, t.TempDir(), "summary.txt", "故障处置总结报告\n")
	r = MustRunMain(t, exitOK, "--config", config, "ack", "--incident", ids["city_gov"], "--by", "li", "--note", "repushed", "--report", report)
	if !strings.Contains(r.stdout, ids["city_gov"]) || !strings.Contains(r.stdout, "response in_time") {
		t.Errorf("ack output: %s", r.stdout)
	}
	acks := MustReadAcks(t, filepath.Join(filepath.Dir(config), "warehouse.duckdb"))
	if a := acks["f-in-time"]; !a.at.Valid || a.by.String != "li" {
		t.Errorf("the incident's finding: %+v, want acknowledged by li", a)
	}
	if a := acks["f-overdue"]; a.at.Valid {
		t.Errorf("the other incident's finding was acknowledged: %+v", a)
	}
	r = MustRunMain(t, exitOK, "--config", config, "incidents", "--open", "--format", "json")
	if !strings.Contains(r.stdout, `"responded_by":"li"`) || !strings.Contains(r.stdout, `"note":"repushed"`) || !strings.Contains(r.stdout, "summary.txt") {
		t.Errorf("after ack: %s", r.stdout)
	}
	r = MustRunMain(t, exitOK, "--config", config, "incidents", "--from", "2026-11-21")
	if !strings.Contains(r.stdout, "0 incidents, 0 open") {
		t.Errorf("no incident has windows on 11-21: %s", r.stdout)
	}

	// Bad usage.
	for _, args := range [][]string{
		{"ack", "--incident", "INC-nope"},
		{"ack", "--incident", ids["city_gov"], "--finding", "f-in-time"},
		{"ack", "--finding", "f-in-time", "--report", report},
		{"ack", "--incident", ids["city_gov"], "--report", filepath.Join(t.TempDir(), "absent.docx")},
		{"incidents", "--format", "xml"},
		{"incidents", "--from", "2026-11-22", "--to", "2026-11-21"},
	} {
		MustRunMain(t, exitUsage, append([]string{"--config", config}, args...)...)
	}
}
