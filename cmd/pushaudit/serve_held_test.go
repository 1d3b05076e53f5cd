// Tests of serve and the commands around a held warehouse and a source
// that is down.

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestWarehouseHeld: while another process (here a child of this test
// binary standing in for serve's run) holds the warehouse, a command waits
// warehouse_wait naming the holder from serve's lock file, then exits 2.
func TestWarehouseHeld(t *testing.T) {
	if os.Getenv("PUSHAUDIT_HOLD") != "" {
		t.Skip("in the child")
	}
	isolateEnv(t)
	dir := t.TempDir()
	cfg := MustWriteFile(t, dir, "held.yaml", idleConfig+"warehouse_wait: 1s\n")
	wh := filepath.Join(dir, "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldWarehouse$")
	cmd.Env = append(os.Environ(), "PUSHAUDIT_HOLD="+wh)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	if l, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(l) != "holding" {
		t.Fatalf("child: %q", l)
	}
	r := MustRunMain(t, exitCannot, "--config", cfg, "report", "--period", "2026-11-20", "--out", dir)
	want := fmt.Sprintf("the warehouse is held by pushaudit serve, pid %d", cmd.Process.Pid)
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "running report:day") ||
		!strings.Contains(r.stderr, "waiting up to 1s") || !strings.Contains(r.stderr, "waited 1s") {
		t.Errorf("stderr %q, want the holder (%s, running report:day), the wait and the give-up", r.stderr, want)
	}
}

// TestHelperHoldWarehouse is the child of TestWarehouseHeld: it takes
// serve's lock and holds the warehouse until its stdin closes.
func TestHelperHoldWarehouse(t *testing.T) {
	path := os.Getenv("PUSHAUDIT_HOLD")
	if path == "" {
		t.Skip("the child process of TestWarehouseHeld")
	}
	l, err := warehouse.LockServe(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.SetRun("report:day"); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// TestServe_SourceDown: a snapshot whose source refuses connections is
// tried again, then recorded as failed; the reconciliation after it
// judges its windows unverifiable, never missed.
func TestServe_SourceDown(t *testing.T) {
	isolateEnv(t)
	const password = "Down-S3cret-pw"
	t.Setenv("PUSHAUDIT_TEST_DOWN_PW", password)
	sink := &webhookSink{}
	hook := httptest.NewServer(sink)
	defer hook.Close()
	dir := t.TempDir()
	cfg := MustWriteFile(t, dir, "down.yaml", `
warehouse: w.duckdb
mysql: {addr: 127.0.0.1:9, user: nobody, password_env: PUSHAUDIT_TEST_DOWN_PW}
alerts:
  base_url: http://pushaudit.test:9470/
  retry: {attempts: 1, backoff: 10ms, timeout: 5s}
  groups:
    oncall:
      receivers:
        - {name: ops, kind: webhook, url: "`+hook.URL+`/hooks/pushaudit"}
    jinniu:
      targets: [jinniu]
      receivers:
        - {name: district, kind: webhook, url: "`+hook.URL+`/hooks/jinniu"}
sources:
  exchange: {database: exchange}
serve:
  jitter: -1s
  retries: 1
  retry_backoff: 10ms
  schedules: {snapshot: "0 9 * * *", snapshot_full: "off", reconcile:every_10m: "off", reconcile:every_30m: "off",
    reconcile:daily_after_2300: "off", reconcile:once: "off", reconcile:media_copy: "off", reconcile:stats: "off",
    report:day: "off", report:half_month: "off", report:month: "off", report:quarter: "off", report:year: "off"}
`)
	// A skip clock: the retry's backoff waits on it (held by the run, in
	// real time) and the idle minutes between runs pass at once.
	clock := schedule.NewSkip(shanghai("2026-11-20 07:55"), 1)
	var stdout, stderr lockedBuffer
	m := NewMain(&stdout, &stderr)
	m.hooks = &serveHooks{clock: clock}
	code := m.Run(context.Background(), []string{"--config", cfg, "serve", "--listen", "127.0.0.1:0",
		"--start", "2026-11-20T07:55:00+08:00", "--for", "10m"})
	_ = m.Close()
	if code != exitOK {
		t.Fatalf("serve: exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "snapshot:exchange            FAILED: snapshot exchange: connect 127.0.0.1:9") || !strings.Contains(stdout.String(), "reconcile:hourly             ok: unverifiable") {
		t.Errorf("stdout shows no failed snapshot and unverifiable windows after it:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "transient source error; trying again") {
		t.Errorf("no retry logged:\n%s", stderr.String())
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var failed, dueFailed, unverifiable, judged int
	if err := w.DB().QueryRow(`SELECT count(*) FILTER (WHERE command = 'snapshot' AND status = 'failed' AND args NOT LIKE '%snapshot_due:%'),
		count(*) FILTER (WHERE command = 'snapshot' AND status = 'failed' AND args LIKE '%--job snapshot_due:hourly %') FROM audit.runs`).Scan(&failed, &dueFailed); err != nil {
		t.Fatal(err)
	}
	if failed != 2 {
		t.Errorf("%d failed snapshot runs recorded, want 2 (the run and its retry)", failed)
	}
	// serve.snapshot_due: the hourly reconciliation's snapshot of the push
	// log failed too, and the reconciliation went on.
	if dueFailed != 1 {
		t.Errorf("%d failed due snapshots before reconcile:hourly, want 1", dueFailed)
	}
	if err := w.DB().QueryRow(`SELECT count(*) FILTER (WHERE status = 'unverifiable'), count(*) FILTER (WHERE status NOT IN ('unverifiable', 'pending'))
		FROM audit.results`).Scan(&unverifiable, &judged); err != nil {
		t.Fatal(err)
	}
	if unverifiable == 0 || judged != 0 {
		t.Errorf("results after the failed snapshot: %d unverifiable, %d otherwise judged; want only unverifiable ones", unverifiable, judged)
	}
	// The on-call group is told once that the snapshot fails (not the
	// district's group, not once per failed run), with the error and
	// without the password.
	var told []string
	for _, p := range sink.payloads() {
		b, _ := json.Marshal(p)
		if strings.Contains(string(b), password) {
			t.Errorf("the password is in an alert: %s", b)
		}
		if p.Run == nil {
			t.Errorf("an alert about a finding while only the snapshot failed: %s", b)
			continue
		}
		told = append(told, fmt.Sprintf("%s %s %s", p.Group, p.Event, p.Run.Job))
		if !strings.Contains(p.Run.Error, "connect 127.0.0.1:9") || !strings.Contains(p.Markdown, "审计任务失败") || p.Link != "http://pushaudit.test:9470/" {
			t.Errorf("the run failure message lacks the error, its title or the status page link: %+v", p)
		}
	}
	if got := strings.Join(told, ", "); got != "oncall new snapshot:exchange" {
		t.Errorf("alerts = %q, want one new run failure of snapshot:exchange to oncall", got)
	}
}
