package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// idleConfig is a config whose sources no run reaches: the daemon tests
// that do not move the clock need no server.
const idleConfig = `
warehouse: w.duckdb
mysql: {addr: 127.0.0.1:9, user: nobody}
sources:
  biz: {database: biz}
serve:
  schedules: {report:year: "off", snapshot: "off", snapshot_full: "off"}
`

// startServe runs serve in-process on a manual clock that never moves; it
// returns when /healthz listens, with a stop that cancels the context as
// SIGTERM does and returns the exit code and output.
func startServe(t *testing.T, dir string, hup chan os.Signal) (addr string, stderr *lockedBuffer, stop func() runResult) {
	t.Helper()
	return startServeConfig(t, MustWriteFile(t, dir, "serve.yaml", idleConfig), hup)
}

// startServeConfig is startServe on the config file cfg.
func startServeConfig(t *testing.T, cfg string, hup chan os.Signal) (addr string, stderr *lockedBuffer, stop func() runResult) {
	t.Helper()
	var stdout lockedBuffer
	stderr = &lockedBuffer{}
	m := NewMain(&stdout, stderr)
	listening := make(chan string, 1)
	m.hooks = &serveHooks{clock: schedule.NewManual(shanghai("2026-11-21 10:00")), hup: hup,
		listening: func(a string) { listening <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- m.Run(ctx, []string{"--config", cfg, "serve", "--listen", "127.0.0.1:0"}) }()
	select {
	case addr = <-listening:
	case c := <-code:
		t.Fatalf("serve ended with %d before listening: %s", c, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen within 30 s")
	}
	return addr, stderr, func() runResult {
		cancel()
		c := <-code
		_ = m.Close()
		return runResult{code: c, stdout: stdout.String(), stderr: stderr.String()}
	}
}

// mustGetPage fetches path from a serve at addr: its body; a status other
// than 200 is an error of the test.
func mustGetPage(t *testing.T, addr, path string) string {
	t.Helper()
	res, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("%s: %d\n%.300s", path, res.StatusCode, b)
	}
	return string(b)
}

// TestServe_LockHealthzReload: a second serve on the warehouse exits 2 at
// once naming the first; /healthz answers; SIGHUP with a bad config is
// refused and the old one runs on; a good one is taken; a cancelled
// context (SIGTERM) stops serve with exit 0.
func TestServe_LockHealthzReload(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	hup := make(chan os.Signal, 1)
	addr, stderr, stop := startServe(t, dir, hup)

	r := runMain(t, "--config", filepath.Join(dir, "serve.yaml"), "serve", "--listen", "127.0.0.1:0")
	if r.code != exitCannot || !strings.Contains(r.stderr, "another pushaudit serve runs on this warehouse") ||
		!strings.Contains(r.stderr, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("second serve: exit %d, stderr %q; want 2 naming the first serve's pid", r.code, r.stderr)
	}

	var health struct {
		Status string `json:"status"`
		Now    string `json:"now"`
		Next   []struct{ Job, At string }
	}
	var res *http.Response
	var err error
	// the next runs are known once the scheduler runs, just after serve listens.
	waitFor(t, func() bool {
		if res, err = http.Get("http://" + addr + "/healthz"); err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&health)
		res.Body.Close()
		return err != nil || len(health.Next) > 0
	})
	if err != nil || res.StatusCode != http.StatusOK || health.Status != "ok" || health.Now != "2026-11-21T10:00:00+08:00" {
		t.Errorf("/healthz: %d %+v %v", res.StatusCode, health, err)
	}
	jobs := map[string]bool{}
	for _, n := range health.Next {
		jobs[n.Job] = true
	}
	if !jobs["reconcile:every_10m"] || !jobs["report:day"] || jobs["report:year"] || jobs["snapshot:biz"] {
		t.Errorf("/healthz next runs %+v: want reconcile:every_10m, report:day and not report:year nor snapshot:biz", health.Next)
	}

	// A bad config: refused, with its error.
	MustWriteFile(t, dir, "serve.yaml", idleConfig+"  listen: nowhere\n")
	hup <- syscall.SIGHUP
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "config reload refused") })
	// A good one: taken, with the year's report back.
	MustWriteFile(t, dir, "serve.yaml", strings.Replace(idleConfig, `report:year: "off"`, `report:year: "0 9 1 1 *"`, 1))
	hup <- syscall.SIGHUP
	var out runResult
	waitFor(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.Contains(string(b), `"report:year"`)
	})
	out = stop()
	if out.code != exitOK {
		t.Errorf("serve after cancel: exit %d, want 0\n%s", out.code, out.stderr)
	}
	if !strings.Contains(out.stderr, "config reload refused, the old config runs on") || !strings.Contains(out.stderr, `serve.listen: "nowhere" is not host:port`) {
		t.Errorf("stderr does not refuse the bad config naming the field:\n%s", out.stderr)
	}
	if !strings.Contains(out.stdout, "reloaded") || !strings.Contains(out.stdout, "serve: stopped") {
		t.Errorf("stdout does not show the reload and the stop:\n%s", out.stdout)
	}
	if _, err := os.Stat(warehouse.LockPath(filepath.Join(dir, "w.duckdb"))); !os.IsNotExist(err) {
		t.Errorf("lock file left behind after serve stopped: %v", err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met within 6 s")
}

// lockedBuffer is a bytes.Buffer safe for the serve goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe_SIGTERM runs serve in a child process (this test binary) and
// stops it with a real SIGTERM: exit 0, within the 30 s the issue allows.
func TestServe_SIGTERM(t *testing.T) {
	if os.Getenv("PUSHAUDIT_SERVE_CHILD") != "" {
		t.Skip("in the child")
	}
	isolateEnv(t)
	dir := t.TempDir()
	cfg := MustWriteFile(t, dir, "serve.yaml", idleConfig)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServeChild$")
	cmd.Env = append(os.Environ(), "PUSHAUDIT_SERVE_CHILD="+cfg)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.HasPrefix(sc.Text(), "serve: ") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
			seen = append(seen, sc.Text())
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want exit 0\nstdout: %q\nstderr: %s", err, seen, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not stop within 30 s of SIGTERM")
	}
	if !strings.Contains(strings.Join(seen, "\n"), "serve: stopped") {
		t.Errorf("stdout %q: no stop line", seen)
	}
}

// TestHelperServeChild is the child of TestServe_SIGTERM: main's signal
// handling around serve.
func TestHelperServeChild(t *testing.T) {
	cfg := os.Getenv("PUSHAUDIT_SERVE_CHILD")
	if cfg == "" {
		t.Skip("the child process of TestServe_SIGTERM")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdout, os.Stderr)
	code := m.Run(ctx, []string{"--config", cfg, "serve", "--listen", "127.0.0.1:0"})
	_ = m.Close()
	os.Exit(code)
}

// TestServe_SimulatedMorning runs serve against a simulated site on
// MariaDB over a simulated hour, on a clock moved to each next tick as
// soon as nothing runs: every scheduled run happens once, in order, and is
// recorded in audit.runs.
func TestServe_SimulatedMorning(t *testing.T) {
	// An hour of a morning: snapshots when serve starts (a new warehouse),
	// then at 09:00, after the hour; the 10-minute, 30-minute
	// and hourly reconciliations after their deadlines, the daily one moved
	// to 08:30 by a cron expression, the daily workbook at 08:45.
	cfgPath, c := simulatedSite(t, `
serve:
  jitter: -1s
  reconcile_delay: 2m
  schedules:
    snapshot: "0 9 * * *"
    snapshot_full: "off"
    reconcile:daily_after_2300: "30 8 * * *"
    reconcile:once: "off"
    reconcile:media_copy: "off"
    reconcile:stats: "off"
    report:day: "45 8 * * *"
    report:half_month: "off"
    report:month: "off"
    report:quarter: "off"
    report:year: "off"
`)
	t0 := time.Now()
	start, end := shanghai("2026-11-20 07:50"), shanghai("2026-11-20 08:50")
	clock := schedule.NewManual(start)
	var stdout, stderr lockedBuffer
	m := NewMain(&stdout, &stderr)
	m.hooks = &serveHooks{clock: clock, onIdle: clock.Set}
	code := m.Run(context.Background(), []string{"--config", cfgPath, "--log-level", "warn", "serve", "--listen", "127.0.0.1:0",
		"--start", start.Format(time.RFC3339), "--for", end.Sub(start).String()})
	_ = m.Close()
	t.Logf("serve took %s", time.Since(t0).Round(time.Millisecond))
	if code != exitOK {
		t.Fatalf("serve: exit %d\nstdout:\n%s\nstderr:\n%s", code, tail(stdout.String(), 40), tail(stderr.String(), 40))
	}

	// What must have run, by tick; within a tick in job-name order.
	var want []string
	add := func(at string, jobs ...string) {
		for _, j := range jobs {
			want = append(want, at+" "+j)
			// serve.snapshot_due (default): a periodic cadence's
			// reconciliation first snapshots the tables it reads (its
			// run id, the tick and the command, sorts after).
			if cad, ok := strings.CutPrefix(j, "reconcile:"); ok && pipelines.Cadence(cad).Periodic() {
				want = append(want, at+" snapshot_due:"+cad)
			}
		}
	}
	sources := c.SourceNames()
	for _, hm := range []string{"07:50", "07:52", "08:02", "08:12", "08:22", "08:30", "08:32", "08:42", "08:45"} {
		switch hm {
		case "08:02":
			add(hm, "reconcile:every_10m", "reconcile:every_30m", "reconcile:hourly")
		case "08:32":
			add(hm, "reconcile:every_10m", "reconcile:every_30m")
		case "07:50":
			for _, s := range sources {
				add(hm, "snapshot:"+s)
			}
		case "08:30":
			add(hm, "reconcile:daily_after_2300")
		case "08:45":
			add(hm, "report:day", "report:day") // the day's reconciliation, then its workbook
		default:
			add(hm, "reconcile:every_10m")
		}
	}
	w, err := warehouse.Open(context.Background(), c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.DB().Query(`SELECT args, status, coalesce(message, '') FROM audit.runs ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var args, status, msg string
		if err := rows.Scan(&args, &status, &msg); err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(args) // serve --job NAME --tick TIME
		if len(f) != 5 || f[1] != "--job" || f[3] != "--tick" {
			t.Fatalf("run args %q are not serve --job NAME --tick TIME", args)
		}
		tick, err := time.Parse(time.RFC3339, f[4])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tick.In(pipelines.Shanghai).Format("15:04")+" "+f[2])
		if status != warehouse.RunOK && status != warehouse.RunFindings {
			t.Errorf("run %s %s: %s %s", f[2], f[4], status, msg)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("runs, in order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// the day's workbook of the 19th: written and recorded.
	var n int
	if err := w.DB().QueryRow(`SELECT count(*) FROM audit.reports WHERE period = '2026-11-19' AND kind = 'day'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit.reports rows for the workbook of 2026-11-19: %d, %v; want 1", n, err)
	}
	// the 10-minute reconciliation judged its windows on the snapshot.
	if err := w.DB().QueryRow(`SELECT count(*) FROM audit.results r JOIN audit.runs u USING (run_id)
		WHERE u.args LIKE '%reconcile:every_10m --tick 2026-11-20T08:12%' AND r.status <> 'unverifiable' AND r.status <> 'pending'`).Scan(&n); err != nil || n == 0 {
		t.Errorf("judged results of the 08:12 reconciliation: %d, %v; want some", n, err)
	}
	// a due snapshot loads the tables its cadence's resources read, and
	// those alone.
	cat, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var tenMin []*pipelines.Resource
	for i := range cat.Resources {
		if cat.Resources[i].Cadence == pipelines.Every10m {
			tenMin = append(tenMin, &cat.Resources[i])
		}
	}
	due, err := cat.TablesOf(tenMin, "")
	if err != nil {
		t.Fatal(err)
	}
	var wantTables []string
	for src, ts := range due {
		for _, tb := range ts {
			wantTables = append(wantTables, src+"."+tb)
		}
	}
	sort.Strings(wantTables)
	var gotTables string
	if err := w.DB().QueryRow(`SELECT string_agg(s.source || '.' || s.table_name, ' ' ORDER BY s.source || '.' || s.table_name)
		FROM audit.snapshots s JOIN audit.runs u USING (run_id)
		WHERE u.args = 'serve --job snapshot_due:every_10m --tick 2026-11-20T08:12:00+08:00' AND s.status = 'ok'`).Scan(&gotTables); err != nil {
		t.Fatal(err)
	}
	if gotTables != strings.Join(wantTables, " ") {
		t.Errorf("tables of the 08:12 due snapshot:\n%s\nwant\n%s", gotTables, strings.Join(wantTables, " "))
	}
	t.Logf("%d runs; stdout:\n%s", len(got), tail(stdout.String(), 10))

}

func TestServe_Usage(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	cfg := MustWriteFile(t, dir, "serve.yaml", idleConfig)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--speed", "0.5"}, "--speed 0.5 is below 1"},
		{[]string{"--for", "-1h"}, "--for -1h0m0s is negative"},
		{[]string{"--start", "tomorrow"}, `--start "tomorrow" is not an RFC 3339 time`},
		{[]string{"--bogus"}, "-bogus"},
	} {
		r := MustRunMain(t, exitUsage, append([]string{"--config", cfg, "serve"}, tt.args...)...)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: stderr %q, want %q", tt.args, r.stderr, tt.want)
		}
	}
	bad := MustWriteFile(t, dir, "bad.yaml", strings.Replace(idleConfig, `report:year: "off"`, `reconcile:hourly: "0 25 * * *"`, 1))
	r := MustRunMain(t, exitUsage, "--config", bad, "serve")
	if !strings.Contains(r.stderr, "serve.schedules.reconcile:hourly") {
		t.Errorf("bad schedule: stderr %q does not name the field", r.stderr)
	}
	r = MustRunMain(t, exitOK, "serve", "--help")
	if !strings.Contains(r.stdout, "SIGHUP reloads the config") {
		t.Errorf("serve --help: %q", r.stdout)
	}
}
