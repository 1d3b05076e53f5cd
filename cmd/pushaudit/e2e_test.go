package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// MustMariaDB returns the DSN of the test server (PUSHAUDIT_MYSQL_DSN)
// and a connection to it, or skips the test when the variable is unset.
func MustMariaDB(tb testing.TB) (string, *sql.DB) {
	tb.Helper()
	dsn := os.Getenv("PUSHAUDIT_MYSQL_DSN")
	if dsn == "" {
		tb.Skip("PUSHAUDIT_MYSQL_DSN not set: run via make test (it starts MariaDB), or set it to scripts/mariadb.sh dsn")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(conn)
	tb.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		tb.Fatalf("PUSHAUDIT_MYSQL_DSN: %s: %v", cfg.Addr, err)
	}
	return dsn, db
}

// MustUniquePrefix returns a database prefix no other run uses, and drops
// after the test every database with that prefix that carries the
// simulator's marker table.
func MustUniquePrefix(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	prefix := "pacli_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_"
	tb.Cleanup(func() {
		for _, name := range databasesWithPrefix(tb, db, prefix) {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", name, sim.MarkerTable).Scan(&n); err != nil {
				tb.Errorf("cleanup: %v", err)
				continue
			}
			if n == 0 {
				tb.Errorf("cleanup: database %s has no %s table: left in place", name, sim.MarkerTable)
				continue
			}
			if _, err := db.Exec("DROP DATABASE `" + name + "`"); err != nil {
				tb.Errorf("cleanup: %v", err)
			}
		}
	})
	return prefix
}

// databasesWithPrefix lists the server's databases whose name starts with
// prefix.
func databasesWithPrefix(tb testing.TB, db *sql.DB, prefix string) []string {
	tb.Helper()
	rows, err := db.Query("SELECT schema_name FROM information_schema.schemata WHERE LEFT(schema_name, ?) = ? ORDER BY 1", len(prefix), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// workbook is what openpyxl sees in an .xlsx file.
type workbook struct {
	Sheets  []string `json:"sheets"`
	Summary any      `json:"summary_a1"` // A1 of 汇总, null when absent
}

// MustOpenWorkbook opens path with Debian's python3-openpyxl (run by
// /usr/bin/python3, not a python3 on PATH that may lack it).
func MustOpenWorkbook(tb testing.TB, path string) workbook {
	tb.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import openpyxl").CombinedOutput(); err != nil {
		tb.Fatalf("%s cannot import openpyxl (%v: %s); scripts/test-deps.sh installs it (apt-get install python3-openpyxl)", py, err, out)
	}
	const script = `import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
a1 = wb["汇总"]["A1"].value if "汇总" in wb.sheetnames else None
print(json.dumps({"sheets": wb.sheetnames, "summary_a1": a1}, ensure_ascii=False, default=str))
`
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("openpyxl cannot open %s: %v\n%s", path, err, stderr)
	}
	var wb workbook
	if err := json.Unmarshal(out, &wb); err != nil {
		tb.Fatalf("openpyxl output %q: %v", out, err)
	}
	tb.Logf("openpyxl sees %s: %v, 汇总!A1 = %v", filepath.Base(path), wb.Sheets, wb.Summary)
	return wb
}

// manifest is the part of the fault manifest the tests read.
type manifest struct {
	Faults  int `json:"faults"`
	Entries []struct {
		Target       string `json:"target"`
		Resource     string `json:"resource"`
		WindowStart  string `json:"window_start"`
		Kind         string `json:"kind"`
		ExpectStatus string `json:"expect_status"`
	} `json:"entries"`
}

func MustReadManifest(tb testing.TB, path string) manifest {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("manifest %s: %v", path, err)
	}
	return m
}

func TestMain_Run_SimRefusesForeignDatabase(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	foreign := prefix + "biz"
	if _, err := db.Exec("CREATE DATABASE `" + foreign + "`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + foreign + "`"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, q := range []string{
		"CREATE TABLE `" + foreign + "`.cases (case_id BIGINT PRIMARY KEY, note VARCHAR(32))",
		"INSERT INTO `" + foreign + "`.cases VALUES (1, 'real data')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	r := MustRunMain(t, exitCannot, "sim", "--mysql", dsn, "--db-prefix", prefix, "--days", "1", "--cases-per-day", "50", "--faults", "0",
		"--manifest", filepath.Join(dir, "m.json"), "--write-config", filepath.Join(dir, "c.yaml"))
	errLines := withoutLogRecords(lines(r.stderr))
	if len(errLines) != 1 {
		t.Fatalf("stderr has %d error lines, want 1:\n%s", len(errLines), r.stderr)
	}
	for _, want := range []string{foreign, "refus", sim.MarkerTable} {
		if !strings.Contains(errLines[0], want) {
			t.Errorf("stderr does not contain %q: %s", want, errLines[0])
		}
	}

	var note string
	if err := db.QueryRow("SELECT note FROM `" + foreign + "`.cases WHERE case_id = 1").Scan(&note); err != nil {
		t.Fatalf("the foreign database lost its table: %v", err)
	}
	if note != "real data" {
		t.Errorf("the foreign row is %q, want %q", note, "real data")
	}
	if got := databasesWithPrefix(t, db, prefix); len(got) != 1 || got[0] != foreign {
		t.Errorf("databases with prefix %s: %v, want only %s (nothing created before the refusal)", prefix, got, foreign)
	}
	for _, name := range []string{"m.json", "c.yaml", "c.password"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written by a refused simulation", name)
		}
	}
}

// rfc3339Shanghai is an RFC 3339 time at +08:00.
var rfc3339Shanghai = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$`)

// checkJSONResult checks the fields and types of one line of reconcile
// --format json; it returns the status and the window start.
func checkJSONResult(t *testing.T, line string) (status, start string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, line)
	}
	str := func(k string) string {
		v, ok := m[k].(string)
		if !ok || v == "" {
			t.Errorf("%s: %#v, want a non-empty string: %s", k, m[k], line)
		}
		return v
	}
	num := func(k string, null bool) {
		v, ok := m[k]
		switch {
		case !ok:
			t.Errorf("%s: missing: %s", k, line)
		case v == nil && null:
		case v == nil:
			t.Errorf("%s: null, want a number: %s", k, line)
		default:
			if f, ok := v.(float64); !ok || f < 0 || f != float64(int64(f)) {
				t.Errorf("%s: %#v, want a count: %s", k, v, line)
			}
		}
	}
	str("target")
	str("resource")
	start, end := str("window_start"), str("window_end")
	for _, k := range []string{"window_start", "window_end", "deadline"} {
		if v, _ := m[k].(string); !rfc3339Shanghai.MatchString(v) {
			t.Errorf("%s: %q is not RFC 3339 at +08:00: %s", k, v, line)
		}
	}
	ts, err1 := time.Parse(time.RFC3339, start)
	te, err2 := time.Parse(time.RFC3339, end)
	if err1 != nil || err2 != nil || !te.After(ts) {
		t.Errorf("window [%s, %s) is not a window: %s", start, end, line)
	}
	status = str("status")
	known := false
	for _, s := range pipelines.Statuses {
		known = known || string(s) == status
	}
	if !known {
		t.Errorf("status %q is not a verdict: %s", status, line)
	}
	for _, k := range []string{"expected", "claimed", "received"} {
		num(k, status == string(pipelines.StatusUnverifiable))
	}
	for _, k := range []string{"missing_keys", "extra_keys", "duplicate_keys"} {
		num(k, false)
	}
	level, ok := m["fault_level"]
	finding := pipelines.Status(status).Finding()
	switch {
	case !ok:
		t.Errorf("fault_level: missing: %s", line)
	case !finding && level != nil:
		t.Errorf("fault_level %v on a %s result, want null: %s", level, status, line)
	case finding && (level == nil || level.(float64) < 1 || level.(float64) > 4):
		t.Errorf("fault_level %v on a finding, want 1–4: %s", level, line)
	}
	return status, start
}

func TestMain_Run_EndToEnd(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	manifestPath, configPath := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "site.yaml")

	r := MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "3", "--days", "1", "--cases-per-day", "300", "--faults", "9",
		"--manifest", manifestPath, "--write-config", configPath)
	t.Logf("sim: %s", strings.TrimSpace(r.stdout))
	if got := databasesWithPrefix(t, db, prefix); len(got) != 3+7 {
		t.Errorf("databases created: %v, want biz, stats, exchange and 7 front-ends", got)
	}

	t.Run("config keeps the password out", func(t *testing.T) {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		text, err := os.ReadFile(configPath)
		if err != nil {
			t.Fatal(err)
		}
		// The test server's password may equal its user name, which the
		// config rightly holds: look for the password as a value of its
		// own, and for a DSN carrying it.
		for i, l := range lines(string(text)) {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			key, value, _ := strings.Cut(strings.TrimSpace(l), ":")
			value = strings.Trim(strings.TrimSpace(value), `"'`)
			if cfg.Passwd != "" && value == cfg.Passwd && key != "user" {
				t.Errorf("%s:%d holds the password: %s", configPath, i+1, l)
			}
			if strings.Contains(l, ":"+cfg.Passwd+"@") || key == "password" || key == "passwd" {
				t.Errorf("%s:%d holds the password: %s", configPath, i+1, l)
			}
		}
		if cfg.Passwd != "" && cfg.Passwd != cfg.User && strings.Contains(string(text), cfg.Passwd) {
			t.Errorf("%s contains the password", configPath)
		}
		if !strings.Contains(string(text), "password_file: site.password") {
			t.Errorf("%s does not name the password file:\n%s", configPath, text)
		}
		pw := filepath.Join(dir, "site.password")
		st, err := os.Stat(pw)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("%s mode %v, want %v", pw, got, want)
		}
		if b, _ := os.ReadFile(pw); strings.TrimRight(string(b), "\n") != cfg.Passwd {
			t.Errorf("%s does not hold the password of the DSN", pw)
		}
	})

	r = MustRunMain(t, exitOK, "--config", configPath, "snapshot")
	if !strings.Contains(r.stdout, "10 sources") || strings.Contains(r.stdout, "NOT published") {
		t.Errorf("snapshot:\n%s", r.stdout)
	}

	r = MustRunMain(t, exitFindings, "--config", configPath, "reconcile", "--from", "2026-11-20", "--to", "2026-11-21", "--format", "json")
	got := map[string]string{} // target/resource/window_start → status
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct{ Target, Resource string }
		status, start := checkJSONResult(t, sc.Text())
		_ = json.Unmarshal(sc.Bytes(), &m)
		k := m.Target + "/" + m.Resource + "/" + start
		if _, dup := got[k]; dup {
			t.Errorf("two results for %s", k)
		}
		got[k] = status
	}
	if len(got) == 0 {
		t.Fatalf("reconcile printed no results:\n%s", r.stdout)
	}

	man := MustReadManifest(t, manifestPath)
	if man.Faults != 9 || len(man.Entries) < 9 {
		t.Fatalf("manifest: %d faults, %d entries; want 9 faults and at least 9 entries", man.Faults, len(man.Entries))
	}
	want := map[string]string{}
	hit := 0
	for _, e := range man.Entries {
		k := e.Target + "/" + e.Resource + "/" + e.WindowStart
		want[k] = e.ExpectStatus
		if s, ok := got[k]; !ok {
			t.Errorf("%s (%s): no result, want %s", k, e.Kind, e.ExpectStatus)
		} else if s != e.ExpectStatus {
			t.Errorf("%s (%s): %s, want %s", k, e.Kind, s, e.ExpectStatus)
		} else {
			hit++
		}
	}
	findings, falseAlarms := 0, 0
	for k, s := range got {
		if !pipelines.Status(s).Finding() {
			continue
		}
		findings++
		if _, ok := want[k]; !ok {
			falseAlarms++
			t.Errorf("%s: %s, not injected", k, s)
		}
	}
	recall := float64(hit) / float64(len(man.Entries))
	precision := float64(findings-falseAlarms) / float64(max(findings, 1))
	t.Logf("%d results, %d findings; manifest %d entries: recall %.3f, precision %.3f", len(got), findings, len(man.Entries), recall, precision)
	if recall != 1 || precision != 1 {
		t.Errorf("recall %.3f, precision %.3f; want 1 and 1", recall, precision)
	}

	r = MustRunMain(t, exitOK, "--config", configPath, "report", "--period", "2026-11-20")
	out := lines(r.stdout)
	if len(out) != 1 {
		t.Fatalf("report printed %d lines, want the workbook's path:\n%s", len(out), r.stdout)
	}
	book := out[0]
	if st, err := os.Stat(book); err != nil || st.Size() == 0 {
		t.Fatalf("report printed %s: %v", book, err)
	}
	if got, want := filepath.Base(book), "数据对接日检表_2026-11-20.xlsx"; got != want {
		t.Errorf("workbook %s, want %s", got, want)
	}
	wb := MustOpenWorkbook(t, book)
	if len(wb.Sheets) < 2 || wb.Sheets[0] != "汇总" {
		t.Errorf("sheets %v, want 汇总 first", wb.Sheets)
	}
	if a1, _ := wb.Summary.(string); !strings.Contains(a1, "数据对接日检表") || !strings.Contains(a1, "2026-11-20") {
		t.Errorf("汇总!A1 = %v, want the title with the day", wb.Summary)
	}

	// A month gives the operations report.
	r = MustRunMain(t, exitOK, "--config", configPath, "report", "--period", "2026-11", "--lang", "en")
	out = lines(r.stdout)
	if len(out) != 1 || filepath.Base(out[0]) != "operations-report_2026-11.xlsx" {
		t.Fatalf("report --period 2026-11 printed %q, want the operations report's path", r.stdout)
	}
	wb = MustOpenWorkbook(t, out[0])
	if len(wb.Sheets) != 8 || wb.Sheets[0] != "Overview" {
		t.Errorf("operations report sheets %v, want 8, Overview first", wb.Sheets)
	}

	// Both reports are on record, for the assessment of missing ones.
	c, err := config.Load(configPath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var recorded string
	if err := w.DB().QueryRow(`SELECT string_agg(period || '/' || kind || '/' || lang, ' ' ORDER BY period)
		FROM audit.reports`).Scan(&recorded); err != nil || recorded != "2026-11/month/en 2026-11-20/day/zh" {
		t.Errorf("audit.reports: %q, %v", recorded, err)
	}
}

// demoScore is the line in which the demo holds its findings against the
// manifest.
var demoScore = regexp.MustCompile(`(?m)^injected faults: (\d+), manifest entries (\d+): (\d+) found as expected, (\d+) other findings$`)

func TestMain_Run_Demo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about 20 s: skipped in -short")
	}
	isolateEnv(t)
	t.Setenv("PUSHAUDIT_DEMODB", MustBuildDemoDB(t))
	out := t.TempDir()
	r := MustRunMain(t, exitOK, "demo", "--out", out, "--days", "1", "--cases-per-day", "150", "--faults", "9")

	m := demoScore.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no score line in the demo's output:\n%s", r.stdout)
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	if n[1] != 9 {
		t.Errorf("injected faults %d, want 9: %s", n[1], m[0])
	}
	if n[2] < 9 || n[3] != n[2] || n[4] != 0 {
		t.Errorf("%s; want every manifest entry found as expected and no other finding", m[0])
	}

	// The files the demo lists after "files:".
	var files []string
	_, list, ok := strings.Cut(r.stdout, "\nfiles:\n")
	if !ok {
		t.Fatalf("no file list in the demo's output:\n%s", r.stdout)
	}
	for _, l := range lines(list) {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		files = append(files, strings.TrimSpace(l))
	}
	var books []string
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("listed file: %v", err)
		}
		if strings.HasSuffix(f, ".xlsx") {
			books = append(books, f)
		}
	}
	wantBooks := []string{filepath.Join(out, "数据对接日检表_2026-11-20.xlsx"), filepath.Join(out, "数据对接日检表_2026-11-21.xlsx"),
		filepath.Join(out, "运维报告_2026-Q4.xlsx")}
	if fmt.Sprint(books) != fmt.Sprint(wantBooks) {
		t.Fatalf("workbooks listed %v, want %v", books, wantBooks)
	}

	t.Run("config keeps the password out", func(t *testing.T) {
		const password = "pushaudit-demo" // the embedded server's
		text, err := os.ReadFile(filepath.Join(out, "demo.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(text), password) {
			t.Errorf("demo.yaml contains the password:\n%s", text)
		}
		st, err := os.Stat(filepath.Join(out, "demo.password"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("demo.password mode %v, want %v", got, want)
		}
		if strings.Contains(r.stdout+r.stderr, password) {
			t.Errorf("the demo printed the password")
		}
	})

	wb := MustOpenWorkbook(t, books[0])
	if len(wb.Sheets) < 2 || wb.Sheets[0] != "汇总" {
		t.Errorf("sheets %v, want 汇总 first", wb.Sheets)
	}
	if a1, _ := wb.Summary.(string); !strings.Contains(a1, "2026-11-20") {
		t.Errorf("汇总!A1 = %v, want the title with the day", wb.Summary)
	}
}
