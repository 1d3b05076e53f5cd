package main

// init and check --catalog: usage errors, and a site renamed by SQL
// onboarded from init to a reconciliation without a false finding.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/sim"
	"github.com/chengdu-cgw/pushaudit/internal/siteinit"
	"github.com/chengdu-cgw/pushaudit/internal/siteinit/sitetest"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestMain_Run_InitUsage(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	r := MustRunMain(t, exitUsage, "init", "--mysql", "u:secretpw@tcp(127.0.0.1:1)/?badparam=%zz", "--out", dir)
	if strings.Contains(r.stderr, "secretpw") || !strings.Contains(r.stderr, "init: --mysql #1") {
		t.Errorf("bad DSN: stderr %q, want the flag named and no password", r.stderr)
	}
	MustRunMain(t, exitUsage, "init", "--out", dir)
	MustRunMain(t, exitUsage, "init", "--mysql", "u:p@tcp(127.0.0.1:1)/")
	r = MustRunMain(t, exitCannot, "init", "--mysql", "u:secretpw@tcp(127.0.0.1:1)/?timeout=1s", "--out", dir)
	if strings.Contains(r.stderr, "secretpw") {
		t.Errorf("unreachable server: stderr holds the password: %q", r.stderr)
	}
}

// resultsOf reads reconcile --format json: status by target/resource/window.
func resultsOf(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, l := range lines(out) {
		var m struct{ Target, Resource, Status, WindowStart string }
		var raw map[string]any
		if err := json.Unmarshal([]byte(l), &raw); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		m.Target, m.Resource, m.Status, m.WindowStart = raw["target"].(string), raw["resource"].(string), raw["status"].(string), raw["window_start"].(string)
		got[m.Target+"/"+m.Resource+"/"+m.WindowStart] = m.Status
	}
	return got
}

// TestMain_Run_InitRenamedSite: a clean simulation reconciled as the
// simulator configures it, then renamed by SQL (front-end tables and
// columns, the push log, two business tables); init drafts the config and
// the site catalog from the databases alone, check --catalog passes, and
// a reconciliation with the drafts gives the same results, every one ok.
func TestMain_Run_InitRenamedSite(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	dir := t.TempDir()
	simCfg := filepath.Join(dir, "sim.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--days", "1", "--cases-per-day", "300", "--components", "300", "--write-config", simCfg)
	MustRunMain(t, exitOK, "--config", simCfg, "snapshot")
	base := resultsOf(t, MustRunMain(t, exitOK, "--config", simCfg, "reconcile", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json").stdout)
	if len(base) < 55 {
		t.Fatalf("the simulator's config reconciled %d results", len(base))
	}

	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res := &sim.Result{Databases: sim.DatabaseNames(prefix, cat)}
	sitetest.RenameSite(t, db, res, cat)

	out := filepath.Join(dir, "site")
	args := []string{"init", "--out", out}
	for _, name := range res.Databases {
		c, _ := mysql.ParseDSN(dsn)
		c.DBName = name
		args = append(args, "--mysql", c.FormatDSN())
	}
	r := MustRunMain(t, exitOK, args...)
	if !strings.Contains(r.stdout, "55 of 55 resources found") {
		t.Errorf("init:\n%s", r.stdout)
	}
	pw, _ := mysql.ParseDSN(dsn)
	for _, f := range []string{siteinit.ConfigFile, siteinit.CatalogFile, siteinit.MarkdownFile} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if pw.Passwd != "" && strings.Contains(string(b), pw.Passwd+"@") || strings.Contains(string(b), "password:") {
			t.Errorf("%s holds a password", f)
		}
	}
	x, err := excelize.OpenFile(filepath.Join(out, siteinit.WorkbookFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(x.GetSheetList(), ","); got != "数据库角色,资源映射,字段映射,推送日志" {
		t.Errorf("workbook sheets %s", got)
	}
	rows, _ := x.GetRows("资源映射")
	x.Close()
	if len(rows) != 2+55 {
		t.Errorf("资源映射 has %d rows, want a title, a header and 55 resources", len(rows))
	}

	// the drafts as a person leaves them for a simulated site: its clock,
	// a primary allowed, the receipts beside the config.
	cfgPath := filepath.Join(out, siteinit.ConfigFile)
	var draft, simc map[string]any
	mustYAML(t, cfgPath, &draft)
	mustYAML(t, simCfg, &simc)
	if draft["once_at"] != simc["once_at"] {
		t.Errorf("config draft once_at %v, want %v (the first one-time push in the push log)", draft["once_at"], simc["once_at"])
	}
	draft["now"] = simc["now"]
	draft["snapshot"] = map[string]any{"allow_primary": true}
	draft["warehouse"] = filepath.Join(dir, "site.duckdb")
	draft["evidence"].(map[string]any)["receipts_dir"] = filepath.Join(dir, "receipts")
	b, err := yaml.Marshal(draft)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(siteinit.PasswordEnv, pw.Passwd)
	r = MustRunMain(t, exitOK, "--config", cfgPath, "check", "--catalog")
	if !strings.Contains(r.stdout, "catalog: ok") {
		t.Errorf("check --catalog:\n%s", r.stdout)
	}
	MustRunMain(t, exitOK, "--config", cfgPath, "snapshot")
	got := resultsOf(t, MustRunMain(t, exitOK, "--config", cfgPath, "reconcile", "--from", "2026-11-20", "--to", "2026-11-20", "--format", "json").stdout)
	if len(got) != len(base) {
		t.Errorf("renamed site: %d results, the simulator's config %d", len(got), len(base))
	}
	for k, s := range base {
		if got[k] != s {
			t.Errorf("%s: %q on the renamed site, %q as simulated", k, got[k], s)
		}
	}

	// a broken mapping is one line naming the resource and the field
	if _, err := db.ExecContext(context.Background(), "ALTER TABLE `"+res.Databases["fe_province"]+"`.jk_01 DROP COLUMN zd_02"); err != nil {
		t.Fatal(err)
	}
	r = MustRunMain(t, exitFindings, "--config", cfgPath, "check", "--catalog")
	if !strings.Contains(r.stdout, "province/case_basic: columns[1] (zd_02): fe_province.jk_01 has no column zd_02") {
		t.Errorf("check --catalog after dropping a column:\n%s", r.stdout)
	}
}

func mustYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
