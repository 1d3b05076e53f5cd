package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

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
	if len(wb.Sheets) != 14 || wb.Sheets[0] != "Overview" {
		t.Errorf("operations report sheets %v, want 14, Overview first", wb.Sheets)
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
