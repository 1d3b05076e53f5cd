package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// MustAckWarehouse writes a warehouse with two findings and a config
// whose clock is 2026-11-21 00:25 and returns the config's path and the
// warehouse's.
func MustAckWarehouse(t *testing.T) (config, wh string) {
	t.Helper()
	dir := t.TempDir()
	wh = filepath.Join(dir, "warehouse.duckdb")
	ctx := context.Background()
	w, err := warehouse.Open(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.DB().ExecContext(ctx, `INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level,
  first_seen, last_seen, first_run_id, last_run_id, respond_by, resolve_by) VALUES
 ('f-in-time', 'city_gov', 'case_report', '2026-11-20 10:10:00', '2026-11-20 10:20:00', 'missed', 3,
  '2026-11-21 00:10:00', '2026-11-21 00:10:00', 'r', 'r', '2026-11-21 00:30:00', '2026-11-21 04:10:00'),
 ('f-overdue', 'ministry', 'case_stats', '2026-11-20 08:00:00', '2026-11-20 09:00:00', 'short', 1,
  '2026-11-21 00:10:00', '2026-11-21 00:10:00', 'r', 'r', '2026-11-21 00:15:00', '2026-11-21 02:10:00')`)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	config = MustWriteFile(t, dir, "pushaudit.yaml",
		"warehouse: warehouse.duckdb\nnow: 2026-11-21T00:25:00+08:00\n"+
			"mysql: {addr: \"127.0.0.1:1\", user: auditor}\nsources:\n  biz: {database: biz}\n")
	return config, wh
}

type ackState struct {
	at       sql.NullTime
	by, note sql.NullString
}

func MustReadAcks(t *testing.T, wh string) map[string]ackState {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.DB().QueryContext(ctx, `SELECT finding_id, responded_at, responded_by, response_note FROM audit.findings`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]ackState{}
	for rows.Next() {
		var id string
		var s ackState
		if err := rows.Scan(&id, &s.at, &s.by, &s.note); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAck(t *testing.T) {
	isolateEnv(t)
	config, wh := MustAckWarehouse(t)
	wantAt := time.Date(2026, 11, 21, 0, 25, 0, 0, time.UTC) // wall clock, as the driver returns it

	// An unknown id: exit 64 naming it, and nothing recorded, not even
	// for the known id given with it.
	r := MustRunMain(t, exitUsage, "--config", config, "ack", "--finding", "f-in-time", "--finding", "f-nowhere")
	if !strings.Contains(r.stderr, "f-nowhere") {
		t.Errorf("stderr does not name the unknown finding:\n%s", r.stderr)
	}
	if got := MustReadAcks(t, wh); got["f-in-time"].at.Valid {
		t.Errorf("f-in-time responded at %v after a failed ack", got["f-in-time"].at.Time)
	}
	MustRunMain(t, exitUsage, "--config", config, "ack")

	r = MustRunMain(t, exitOK, "--config", config, "ack", "--finding", "f-in-time", "--finding", "f-overdue", "--by", "duty officer", "--note", "called the exchange")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout: %d lines, want 2:\n%s", len(lines), r.stdout)
	}
	for i, want := range [][]string{
		{"f-in-time", "city_gov/case_report", "2026-11-20 10:10 – 2026-11-20 10:20", "level 3", "responded 2026-11-21 00:25:00 by duty officer", "in time: respond_by 2026-11-21 00:30:00"},
		{"f-overdue", "ministry/case_stats", "level 1", "LATE: respond_by 2026-11-21 00:15:00, overdue by 10m0s"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q does not contain %q", i+1, lines[i], w)
			}
		}
	}
	// Each ack is a run on record: the failed one and this one.
	w, err := warehouse.Open(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	var runs string
	err = w.DB().QueryRow(`SELECT string_agg(status || ':' || coalesce(message, ''), ' | ' ORDER BY run_id)
		FROM audit.runs WHERE command = 'ack'`).Scan(&runs)
	w.Close()
	if err != nil || !strings.HasPrefix(runs, "failed:ack: no finding f-nowhere") || !strings.HasSuffix(runs, "ok:2 findings acknowledged, 0 already") {
		t.Errorf("ack runs: %q, %v", runs, err)
	}
	got := MustReadAcks(t, wh)
	for _, id := range []string{"f-in-time", "f-overdue"} {
		s := got[id]
		if !s.at.Valid || !s.at.Time.Equal(wantAt) || s.by.String != "duty officer" || s.note.String != "called the exchange" {
			t.Errorf("%s: responded %v by %v note %v, want %v by duty officer", id, s.at, s.by, s.note, wantAt)
		}
	}

	// A second ack, an hour later, keeps the first response.
	later := MustWriteFile(t, filepath.Dir(config), "later.yaml",
		"warehouse: warehouse.duckdb\nnow: 2026-11-21T01:25:00+08:00\n"+
			"mysql: {addr: \"127.0.0.1:1\", user: auditor}\nsources:\n  biz: {database: biz}\n")
	r = MustRunMain(t, exitOK, "--config", later, "ack", "--finding", "f-in-time", "--by", "someone else")
	if !strings.Contains(r.stdout, "already responded 2026-11-21 00:25:00 by duty officer") {
		t.Errorf("second ack does not show the first response:\n%s", r.stdout)
	}
	s := MustReadAcks(t, wh)["f-in-time"]
	if !s.at.Time.Equal(wantAt) || s.by.String != "duty officer" {
		t.Errorf("second ack changed the response: %v by %v", s.at, s.by)
	}
}
