package main

// SIGKILL at random moments of snapshots, reconciliations, report writing
// and the daemon: the warehouse always opens, readers see only complete
// snapshots and complete reconcile runs, the ledger never double-counts,
// and the next run completes with exactly the results of a run that was
// never disturbed. `make test` kills each command PUSHAUDIT_CHAOS_KILLS
// times (default 2); `make chaos` 20 times.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/testenv"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestHelperChaosChild runs Main with the arguments of
// PUSHAUDIT_CHAOS_ARGS, separated by US (0x1f): a pushaudit process the
// chaos test kills.
func TestHelperChaosChild(t *testing.T) {
	args := os.Getenv("PUSHAUDIT_CHAOS_ARGS")
	if args == "" {
		t.Skip("the child process of TestChaos_KillAnywhere")
	}
	restrictUmask()
	m := NewMain(os.Stdout, os.Stderr)
	code := m.Run(context.Background(), strings.Split(args, "\x1f"))
	_ = m.Close()
	os.Exit(code)
}

// chaosChild starts pushaudit args in a child process.
func chaosChild(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChaosChild$")
	cmd.Env = append(os.Environ(), "PUSHAUDIT_CHAOS_ARGS="+strings.Join(args, "\x1f"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// reconcileState is what a reader of the warehouse is told about a day:
// each window's verdict and counts, as reconcile --format json prints.
func reconcileState(t *testing.T, config string) map[string]string {
	t.Helper()
	r := runMain(t, "--config", config, "reconcile", "--from", "2026-11-20", "--to", "2026-11-21", "--format", "json")
	if r.code != exitOK && r.code != exitFindings {
		t.Fatalf("reconcile: exit %d\n%s", r.code, tail(r.stderr, 20))
	}
	out := map[string]string{}
	for _, l := range lines(r.stdout) {
		var m struct {
			Target, Resource, Status    string
			WindowStart                 string `json:"window_start"`
			Expected, Claimed, Received *int64
			Missing                     int64 `json:"missing_keys"`
			Extra                       int64 `json:"extra_keys"`
			Duplicate                   int64 `json:"duplicate_keys"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("reconcile printed %q: %v", l, err)
		}
		n := func(p *int64) string {
			if p == nil {
				return "-"
			}
			return strconv.FormatInt(*p, 10)
		}
		out[m.Target+"/"+m.Resource+"/"+m.WindowStart] = fmt.Sprintf("%s e%s c%s r%s m%d x%d d%d", m.Status,
			n(m.Expected), n(m.Claimed), n(m.Received), m.Missing, m.Extra, m.Duplicate)
	}
	if len(out) == 0 {
		t.Fatal("reconcile printed no results")
	}
	return out
}

// ledgerCounts are the findings ledger's rows and distinct windows×verdicts
// and the incidents: a double count shows as more rows than keys.
func ledgerCounts(t *testing.T, path string) (rows, keys, incidents int) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the warehouse does not open after a kill: %v", err)
	}
	defer wh.Close()
	if err := wh.DB().QueryRow(`SELECT count(*), count(DISTINCT (target, resource, window_start, status)) FROM audit.findings`).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if err := wh.DB().QueryRow(`SELECT count(*) FROM audit.incidents`).Scan(&incidents); err != nil {
		t.Fatal(err)
	}
	return rows, keys, incidents
}

func diffStates(want, got map[string]string) []string {
	var d []string
	for k, w := range want {
		if g := got[k]; g != w {
			d = append(d, fmt.Sprintf("%s: %q, undisturbed %q", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%s: %q, not in the undisturbed run", k, g))
		}
	}
	sort.Strings(d)
	return d
}

func TestChaos_KillAnywhere(t *testing.T) {
	if os.Getenv("PUSHAUDIT_CHAOS_ARGS") != "" {
		t.Skip("in the child")
	}
	kills := testenv.Count(t, "PUSHAUDIT_CHAOS_KILLS", 2, 0)
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	isolateEnv(t)
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "5", "--days", "1",
		"--cases-per-day", "300", "--faults", "5", "--write-config", site)
	text, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	whRE := regexp.MustCompile(`(?m)^warehouse: .*$`)
	// The undisturbed run, in a warehouse of its own.
	ref := MustWriteFile(t, dir, "ref.yaml", whRE.ReplaceAllString(string(text), "warehouse: ref.duckdb"))
	MustRunMain(t, exitOK, "--config", ref, "snapshot")
	want := reconcileState(t, ref)
	refRows, refKeys, refIncidents := ledgerCounts(t, filepath.Join(dir, "ref.duckdb"))
	if refRows != refKeys || refRows == 0 {
		t.Fatalf("undisturbed ledger: %d rows, %d keys", refRows, refKeys)
	}

	// The chaos warehouse starts with one complete snapshot, so that every
	// reader after a kill has something published to read.
	chaos := MustWriteFile(t, dir, "chaos.yaml", whRE.ReplaceAllString(string(text), "warehouse: chaos.duckdb"))
	chaosWH := filepath.Join(dir, "chaos.duckdb")
	commands := map[string][]string{
		"snapshot":  {"--config", chaos, "snapshot"},
		"reconcile": {"--config", chaos, "reconcile", "--from", "2026-11-20", "--to", "2026-11-21"},
		"report":    {"--config", chaos, "report", "--period", "2026-11-20"},
		"serve": {"--config", chaos, "serve", "--listen", "127.0.0.1:0", "--speed", "600",
			"--start", "2026-11-20T22:50:00+08:00", "--for", "2h"},
	}
	names := []string{"snapshot", "reconcile", "report", "serve"}
	// How long each takes undisturbed, to kill it anywhere in that span.
	took := map[string]time.Duration{}
	for _, name := range names {
		t0 := time.Now()
		cmd := chaosChild(t, commands[name]...)
		err := cmd.Wait()
		took[name] = time.Since(t0)
		if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == exitFindings) {
			t.Fatalf("%s undisturbed: %v", name, err)
		}
	}
	t.Logf("undisturbed: %v", took)

	// PUSHAUDIT_CHAOS_SEED replays the draws of a logged seed: each kill
	// at about the same point of the work (the draws are offsets within
	// the undisturbed run's time, which varies a little from run to run).
	seed := time.Now().UnixNano()
	if s := os.Getenv("PUSHAUDIT_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("PUSHAUDIT_CHAOS_SEED=%q: not a seed", s)
		}
		seed = n
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("seed %d (PUSHAUDIT_CHAOS_SEED), %d kills of each of %v", seed, kills, names)
	survived := 0
	for i := 0; i < kills; i++ {
		for _, name := range names {
			at := time.Duration(rng.Int64N(int64(took[name]))) + 20*time.Millisecond
			cmd := chaosChild(t, commands[name]...)
			timer := time.AfterFunc(at, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
			_ = cmd.Wait()
			timer.Stop()
			// Readers see only complete snapshots and reconcile runs: a
			// reconcile after the kill is the undisturbed one.
			if d := diffStates(want, reconcileState(t, chaos)); len(d) > 0 {
				t.Fatalf("after %s killed at %v: %d windows differ from the undisturbed run:\n%s", name, at, len(d), strings.Join(d[:min(len(d), 20)], "\n"))
			}
			rows, keys, _ := ledgerCounts(t, chaosWH)
			if rows != keys {
				t.Fatalf("after %s killed at %v: the findings ledger holds %d rows for %d windows×verdicts", name, at, rows, keys)
			}
			survived++
		}
	}
	// The next runs complete, and their counts are exact.
	MustRunMain(t, exitOK, "--config", chaos, "snapshot")
	if d := diffStates(want, reconcileState(t, chaos)); len(d) > 0 {
		t.Fatalf("after the kills, a clean snapshot and reconcile differ from the undisturbed run:\n%s", strings.Join(d[:min(len(d), 20)], "\n"))
	}
	rows, keys, incidents := ledgerCounts(t, chaosWH)
	if rows != refRows || keys != refKeys || incidents != refIncidents {
		t.Errorf("ledger after the kills: %d findings (%d keys), %d incidents; undisturbed %d (%d), %d", rows, keys, incidents, refRows, refKeys, refIncidents)
	}
	t.Logf("%d kills survived; ledger %d findings, %d incidents, as undisturbed", survived, rows, incidents)
}
