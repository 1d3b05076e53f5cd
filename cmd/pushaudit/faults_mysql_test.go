package main

// The MySQL server stopped and restarted mid-snapshot, and connections
// cut or stalled by a TCP proxy the test controls (mid-handshake,
// mid-result, half-open): each run fails with a clear error and exit 2,
// is recorded as failed, invents no finding, and the next run recovers
// by itself with the counts of a run that was never disturbed.

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// privateMariaDB is a MariaDB server of the test's own (scripts/mariadb.sh
// with a private data dir and port), which the test may stop and start
// without disturbing the tests that share make test's server.
type privateMariaDB struct {
	dir      string
	port     int
	serverID int
}

func mustPrivateMariaDB(t *testing.T) *privateMariaDB { return mustPrivateMariaDBID(t, 1) }

// mustPrivateMariaDBID starts a private server with the given server_id
// (two servers that replicate need different ones).
func mustPrivateMariaDBID(t *testing.T, serverID int) *privateMariaDB {
	t.Helper()
	if os.Getenv("PUSHAUDIT_MYSQL_DSN") == "" {
		t.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test (it installs MariaDB)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	// The socket path must stay short (108 bytes), so not t.TempDir().
	dir, err := os.MkdirTemp("", "pa-mdb-")
	if err != nil {
		t.Fatal(err)
	}
	m := &privateMariaDB{dir: dir, port: port, serverID: serverID}
	t.Cleanup(func() {
		m.run(t, "destroy")
		_ = os.RemoveAll(dir)
	})
	m.run(t, "start")
	return m
}

func (m *privateMariaDB) run(t *testing.T, verb string) {
	t.Helper()
	if err := m.script(verb); err != nil {
		t.Fatal(err)
	}
}

// script runs scripts/mariadb.sh verb on this server; it may run outside
// the test's goroutine.
func (m *privateMariaDB) script(verb string) error {
	script, err := filepath.Abs("../../scripts/mariadb.sh")
	if err != nil {
		return err
	}
	cmd := exec.Command(script, verb)
	cmd.Env = append(os.Environ(), "PUSHAUDIT_MARIADB_DIR="+m.dir, "PUSHAUDIT_MARIADB_PORT="+strconv.Itoa(m.port),
		"PUSHAUDIT_MARIADB_SERVER_ID="+strconv.Itoa(m.serverID))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/mariadb.sh %s: %v\n%s", verb, err, out)
	}
	return nil
}

func (m *privateMariaDB) addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

func (m *privateMariaDB) dsn() string { return "pushaudit:pushaudit@tcp(" + m.addr() + ")/" }

// lastRun is the status and message of the newest run of command in the
// warehouse's audit log.
func lastRun(t *testing.T, path, command string) (status, message string) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the warehouse does not open after the fault: %v", err)
	}
	defer wh.Close()
	if err := wh.DB().QueryRow(`SELECT status, coalesce(message, '') FROM audit.runs WHERE command = ? ORDER BY started_at DESC LIMIT 1`,
		command).Scan(&status, &message); err != nil {
		t.Fatalf("the newest %s run: %v", command, err)
	}
	return status, message
}

// statusOf is the verdict of a reconcileState value.
func statusOf(v string) string { s, _, _ := strings.Cut(v, " "); return s }

func TestFaults_MySQLCutStallRestart(t *testing.T) {
	// Parallel with the other long fault tests (no t.Setenv here: every
	// command gets its config and server explicitly).
	t.Parallel()
	srv := mustPrivateMariaDB(t)
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", srv.dsn(), "--db-prefix", "f_", "--seed", "7", "--days", "1",
		"--cases-per-day", "300", "--faults", "5", "--write-config", site)
	text, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	whRE := regexp.MustCompile(`(?m)^warehouse: .*$`)
	addrRE := regexp.MustCompile(`(?m)^(\s+)addr: .*$`)
	if !addrRE.MatchString(string(text)) {
		t.Fatalf("the simulator's config has no mysql addr:\n%s", text)
	}
	// The undisturbed run, straight to the server.
	ref := MustWriteFile(t, dir, "ref.yaml", whRE.ReplaceAllString(string(text), "warehouse: ref.duckdb"))
	MustRunMain(t, exitOK, "--config", ref, "snapshot")
	want := reconcileState(t, ref)

	// Through the proxy, with a read timeout of 1 s: a stalled link must
	// fail the run in seconds, not hold it.
	proxy := newFaultProxy(t, srv.addr())
	viaProxy := func(name, warehousePath string) string {
		s := whRE.ReplaceAllString(string(text), "warehouse: "+warehousePath)
		s = addrRE.ReplaceAllString(s, "${1}addr: "+proxy.addr()+"\n${1}params: {readTimeout: 1s}")
		return MustWriteFile(t, dir, name, s)
	}
	faulty := viaProxy("faulty.yaml", "faulty.duckdb")
	faultyWH := filepath.Join(dir, "faulty.duckdb")

	// failed runs one snapshot under the armed fault and checks how it
	// ends: exit 2 within a bound, an error that says what broke, the
	// run recorded as failed in the warehouse.
	failed := func(name, cause string) {
		t.Helper()
		t0 := time.Now()
		r := runMain(t, "--config", faulty, "snapshot")
		took := time.Since(t0)
		proxy.arm(faultNone, 0, nil)
		if r.code != exitCannot {
			t.Fatalf("%s: snapshot exit %d, want %d\n%s", name, r.code, exitCannot, tail(r.stderr, 15))
		}
		if took > 60*time.Second {
			t.Errorf("%s: the failed snapshot took %v: a broken link held the run", name, took)
		}
		// The error (the lines that are not log records) names the
		// source, the server and what the socket met.
		errText := strings.Join(withoutLogRecords(lines(r.stderr)), "\n")
		if !strings.HasPrefix(errText, "pushaudit: snapshot ") || !strings.Contains(errText, proxy.addr()) ||
			!regexp.MustCompile(cause).MatchString(errText) {
			t.Errorf("%s: the error does not say what broke (want %s):\n%s", name, cause, errText)
		}
		status, runMsg := lastRun(t, faultyWH, "snapshot")
		if status != "failed" || runMsg == "" {
			t.Errorf("%s: the newest snapshot run is %q (%q), want failed with its error", name, status, runMsg)
		}
		t.Logf("%s: exit 2 after %v:\n%s", name, took.Round(time.Millisecond), tail(errText, 3))
	}
	// unverifiedOnly: after a failed snapshot every window is either what
	// the undisturbed run says or unverifiable: no finding is invented.
	unverifiedOnly := func(name string) {
		t.Helper()
		got := reconcileState(t, faulty)
		unverifiable := 0
		for k, g := range got {
			if statusOf(g) == "unverifiable" {
				unverifiable++
				continue
			}
			// A window not yet due stays pending (the undisturbed run
			// may already find it complete): not a finding either.
			if w, ok := want[k]; !ok || w != g && statusOf(g) != "pending" {
				t.Errorf("%s: window %s is %q after the failed snapshot, undisturbed %q", name, k, g, w)
			}
		}
		if unverifiable == 0 {
			t.Errorf("%s: after a failed snapshot no window is unverifiable: the failed run is trusted", name)
		}
		t.Logf("%s: %d of %d windows unverifiable, the rest as undisturbed", name, unverifiable, len(got))
	}
	recovered := func(name string) {
		t.Helper()
		MustRunMain(t, exitOK, "--config", faulty, "snapshot")
		if d := diffStates(want, reconcileState(t, faulty)); len(d) > 0 {
			t.Fatalf("after %s, the next snapshot differs from the undisturbed run in %d windows:\n%s", name, len(d), strings.Join(d[:min(len(d), 20)], "\n"))
		}
	}

	// Mid-handshake, on a warehouse that has never had a snapshot.
	for _, fault := range []string{faultHandshakeCut, faultHandshakeStall} {
		proxy.arm(fault, 0, nil)
		failed(fault, map[string]string{faultHandshakeCut: `reset|EOF`, faultHandshakeStall: `i/o timeout`}[fault])
		for k, g := range reconcileState(t, faulty) {
			if st := statusOf(g); st != "unverifiable" && st != "pending" {
				t.Errorf("%s: with no snapshot ever taken, window %s is %q, want unverifiable (or pending, not yet due)", fault, k, g)
			}
		}
	}
	recovered("the handshake faults")

	// Mid-result: the fault strikes half way through the bytes the same
	// snapshot moves undisturbed (measured on a copy of the warehouse).
	half := func() int64 {
		t.Helper()
		data, err := os.ReadFile(faultyWH)
		if err != nil {
			t.Fatal(err)
		}
		MustWriteFile(t, dir, "measure.duckdb", string(data))
		proxy.arm(faultNone, 0, nil)
		MustRunMain(t, exitOK, "--config", viaProxy("measure.yaml", "measure.duckdb"), "snapshot")
		n := proxy.serverBytes()
		if n < 2 {
			t.Fatalf("the undisturbed snapshot moved %d bytes", n)
		}
		return n / 2
	}
	// A source that changes between runs, so that each snapshot has rows
	// to move and the next one has to catch up after the fault.
	admin, err := sql.Open("mysql", srv.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	touch := func(i int) {
		t.Helper()
		mustExec(t, admin, "UPDATE f_biz.cases SET updated_at = updated_at + INTERVAL "+strconv.Itoa(i)+" SECOND WHERE MOD(id, 7) = "+strconv.Itoa(i%7))
	}
	for i, fault := range []string{faultResultCut, faultResultStall} {
		cause := map[string]string{faultResultCut: `reset|EOF|broken pipe`, faultResultStall: `i/o timeout`}[fault]
		touch(i)
		want = reconcileState(t, snapshotted(t, ref))
		proxy.arm(fault, half(), nil)
		failed(fault, cause)
		unverifiedOnly(fault)
		recovered(fault)
	}

	// The server itself stopped mid-snapshot, then started again.
	touch(2)
	want = reconcileState(t, snapshotted(t, ref))
	stopped := make(chan error, 1)
	proxy.arm(faultResultHook, half(), func() { stopped <- srv.script("stop") })
	failed("server stopped", `refused|reset|EOF|shutdown`)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	admin.SetMaxIdleConns(0)
	unverifiedOnly("server stopped")
	srv.run(t, "start")
	recovered("server restarted")
}

// snapshotted runs a snapshot of config and returns config.
func snapshotted(t *testing.T, config string) string {
	t.Helper()
	MustRunMain(t, exitOK, "--config", config, "snapshot")
	return config
}
