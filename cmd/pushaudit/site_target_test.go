package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/alert"
	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestMain_Run_SiteAddsTarget: a site catalog adds a target the embedded
// catalog does not know (新都区, an eighth interface), with a front-end
// database of its own: built by SQL as a copy of Pengzhou's front-end
// database, its batches renamed and logged in the push log under the new
// target, and one row deleted. Every command picks it up: its windows
// reconcile as Pengzhou's do, but for the deleted row's window; the daily
// and monthly workbooks, the status pages and the metrics show it (the
// metric from the daemon's start, before any run of its own), and the
// alert about its finding names it.
func TestMain_Run_SiteAddsTarget(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	isolateEnv(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sim.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "13", "--days", "1", "--cases-per-day", "200",
		"--faults", "4", "--write-config", cfgPath)
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	pz, ex := c.Sources["fe_pengzhou"].Database, c.Sources["exchange"].Database
	xd := prefix + "fe_xindu"
	if pz == "" || ex == "" {
		t.Fatalf("no fe_pengzhou or exchange source in %s", cfgPath)
	}

	// The new front-end database, a copy with its own batch ids.
	mustExec(t, db, "CREATE DATABASE `"+xd+"`")
	tables := mustStrings(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", pz)
	batched := mustStrings(t, db, tablesWithColumn, pz, "batch_id")
	deletedFrom := ""
	for _, name := range tables {
		mustExec(t, db, fmt.Sprintf("CREATE TABLE `%s`.`%s` LIKE `%s`.`%s`", xd, name, pz, name),
			fmt.Sprintf("INSERT INTO `%s`.`%s` SELECT * FROM `%s`.`%s`", xd, name, pz, name))
		if !slices.Contains(batched, name) {
			continue
		}
		mustExec(t, db, fmt.Sprintf("UPDATE `%s`.`%s` SET batch_id = CONCAT('xd-', batch_id)", xd, name))
		if deletedFrom == "" {
			res, err := db.Exec(fmt.Sprintf("DELETE FROM `%s`.`%s` LIMIT 1", xd, name))
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				deletedFrom = name
			}
		}
	}
	if deletedFrom == "" {
		t.Fatalf("no row to delete in the batched tables of %s (%v)", pz, tables)
	}
	mustExec(t, db, "INSERT INTO `"+ex+"`.push_log (target, resource, window_start, window_end, batch_id, rows_sent, status, error, started_at, finished_at) "+
		"SELECT 'xindu', resource, window_start, window_end, CONCAT('xd-', batch_id), rows_sent, status, error, started_at, finished_at FROM `"+ex+"`.push_log WHERE target = 'pengzhou'")

	// The site catalog: the target and a copy of each Pengzhou resource.
	cat, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	const nameZH = "新都区数字化城管平台"
	site := pipelines.Catalog{Targets: []pipelines.Target{{Key: "xindu", NameZH: nameZH, NameEN: "Xindu District", Database: "fe_xindu"}}}
	for i, r := range cat.ResourcesOf("pengzhou") {
		x := *r
		x.Target, x.Seq = "xindu", 100+i
		site.Resources = append(site.Resources, x)
	}
	if len(site.Resources) == 0 {
		t.Fatal("pengzhou has no resources in the catalog")
	}
	b, err := yaml.Marshal(site)
	if err != nil {
		t.Fatal(err)
	}
	MustWriteFile(t, dir, "site-catalog.yaml", string(b))
	c.Catalog = "site-catalog.yaml"
	src := c.Sources["fe_pengzhou"]
	src.Database = xd
	c.Sources["fe_xindu"] = src
	// Only the pages are wanted of serve: no job runs.
	c.Serve.Schedules = map[string]string{}
	for _, j := range c.ServeJobs() {
		c.Serve.Schedules[j.Name] = "off"
	}
	b, err = yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	site8 := MustWriteFile(t, dir, "site.yaml", string(b))

	MustRunMain(t, exitOK, "--config", site8, "snapshot")
	r := runMain(t, "--config", site8, "reconcile", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json")
	if r.code != exitOK && r.code != exitFindings {
		t.Fatalf("reconcile: exit %d\n%s", r.code, tail(r.stderr, 20))
	}
	byTarget := map[string]map[string]siteResult{}
	for _, l := range lines(r.stdout) {
		var x siteResult
		if err := json.Unmarshal([]byte(l), &x); err != nil || x.Target == "" {
			continue
		}
		if byTarget[x.Target] == nil {
			byTarget[x.Target] = map[string]siteResult{}
		}
		byTarget[x.Target][x.Resource+"/"+x.WindowStart] = x
	}
	if len(byTarget["xindu"]) != len(byTarget["pengzhou"]) || len(byTarget["xindu"]) == 0 {
		t.Fatalf("%d windows of xindu, %d of pengzhou", len(byTarget["xindu"]), len(byTarget["pengzhou"]))
	}
	differ := 0
	for k, p := range byTarget["pengzhou"] {
		x, ok := byTarget["xindu"][k]
		switch {
		case !ok:
			t.Errorf("xindu has no window %s", k)
		case x.Status == p.Status && eqCount(x.Expected, p.Expected) && eqCount(x.Claimed, p.Claimed) && eqCount(x.Received, p.Received):
		case x.Status == "failed" && eqCount(x.Expected, p.Expected) && *x.Received == *p.Received-1:
			differ++ // the deleted row's window
		default:
			t.Errorf("%s: xindu %s (%s), pengzhou %s (%s)", k, x.Status, x.detail(), p.Status, p.detail())
		}
	}
	if differ != 1 {
		t.Errorf("%d xindu windows failed for the row deleted from %s, want 1", differ, deletedFrom)
	}

	// The workbooks.
	MustRunMain(t, exitOK, "--config", site8, "report", "--period", "2026-11-20")
	MustRunMain(t, exitOK, "--config", site8, "report", "--period", "2026-11")
	for _, name := range []string{"数据对接日检表_2026-11-20.xlsx", "运维报告_2026-11.xlsx"} {
		text := workbookText(t, filepath.Join(dir, name))
		if !strings.Contains(text, nameZH) {
			t.Errorf("%s does not name %s", name, nameZH)
		}
	}

	// The pages and the metrics.
	addr, _, stop := startServeConfig(t, site8, nil)
	get := func(path string) string { return mustGetPage(t, addr, path) }
	if home := get("/"); !strings.Contains(home, nameZH) || !strings.Contains(home, "/targets/xindu") {
		t.Errorf("/ does not show %s with its link", nameZH)
	}
	if page := get("/targets/xindu"); !strings.Contains(page, site.Resources[0].NameZH) {
		t.Errorf("/targets/xindu does not show %s", site.Resources[0].NameZH)
	}
	// The failed window's finding is open from serve's start (no run yet).
	open := 0.0
	for _, l := range lines(get("/metrics")) {
		if strings.HasPrefix(l, "pushaudit_findings_open{") && strings.Contains(l, `target="xindu"`) {
			var v float64
			if _, err := fmt.Sscan(l[strings.LastIndexByte(l, ' ')+1:], &v); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			open += v
		}
	}
	if open != 1 {
		t.Errorf("/metrics: %g findings of xindu open, want 1", open)
	}
	if r := stop(); r.code != exitOK {
		t.Fatalf("serve: exit %d\n%s", r.code, tail(r.stderr, 10))
	}

	// The alert serve's loop would send about it, to a webhook here.
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer hook.Close()
	t.Setenv("PA_TEST_XINDU_HOOK", hook.URL+"/hook")
	ac, err := config.Parse(strings.NewReader("alerts:\n  base_url: http://pa.example\n  groups:\n    g: {min_level: 4, targets: [xindu], receivers: [{kind: webhook, url_env: PA_TEST_XINDU_HOOK}]}\n"), "alerts.yaml", dir)
	if err != nil {
		t.Fatal(err)
	}
	c.Alerts = ac.Alerts
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, pipelines.Shanghai)
	eng, err := alert.FromConfig(c, alert.Options{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(t.Context(), c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	merged, err := c.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := alert.LoadFindings(t.Context(), wh.DB(), now.Add(-24*time.Hour), merged)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Evaluate(t.Context(), fs); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	sent := 0
	for _, b := range bodies {
		if strings.Contains(b, nameZH) && strings.Contains(b, "/findings/") {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d alerts name %s with a link, want 1 (of %d sent)", sent, nameZH, len(bodies))
	}
}

func eqCount(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// workbookText is every cell of every sheet of a workbook, and the sheet
// names, one per line.
func workbookText(t *testing.T, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var b strings.Builder
	for _, sheet := range x.GetSheetList() {
		b.WriteString(sheet + "\n")
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}
