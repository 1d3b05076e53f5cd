package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// base is a valid config; the tests append to it or replace parts of it.
const base = `
mysql:
  addr: 10.0.0.12:3306
  user: auditor
  password_env: PA_TEST_MYSQL_PASSWORD
sources:
  biz: {database: biz}
  stats: {database: stats, addr: 10.0.0.20:3307, user: stats_reader}
`

func mustParse(t *testing.T, src, dir string) *config.Config {
	t.Helper()
	c, err := config.Parse(strings.NewReader(src), "test.yaml", dir)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

// wantErrContains checks that err holds each of want.
func wantErrContains(t *testing.T, err error, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestParse_Defaults(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"empty file", ""},
		{"comment only", "# nothing here\n"},
		{"sources only", base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, tc.src, "")
			if got, want := c.Timezone, "Asia/Shanghai"; got != want {
				t.Errorf("Timezone = %q, want %q", got, want)
			}
			if got, want := c.Warehouse, "pushaudit.duckdb"; got != want {
				t.Errorf("Warehouse = %q, want %q", got, want)
			}
			if got, want := c.OutputDir, "out"; got != want {
				t.Errorf("OutputDir = %q, want %q", got, want)
			}
			if got, want := c.Evidence.PushLog.Table(), "exchange.push_log"; got != want {
				t.Errorf("Evidence.PushLog = %q, want %q", got, want)
			}
			if c.Clock() != nil {
				t.Error("Clock() is not nil without now")
			}
			if !c.OnceDate().IsZero() {
				t.Errorf("OnceDate() = %v, want zero", c.OnceDate())
			}
			if c.Snapshot.AllowPrimary {
				t.Error("Snapshot.AllowPrimary is true by default")
			}
		})
	}
}

func TestParse_Values(t *testing.T) {
	src := base + `
warehouse: wh/audit.duckdb
now: 2026-11-23T07:00:00+08:00
once_at: 2026-11-20
evidence: {push_log: exchange.push_log_v2, receipts_dir: receipts}
`
	dir := t.TempDir()
	c := mustParse(t, src, dir)
	if got, want := c.Path(c.Warehouse), filepath.Join(dir, "wh", "audit.duckdb"); got != want {
		t.Errorf("Path(warehouse) = %q, want %q", got, want)
	}
	if got, want := c.Path("/abs/x.duckdb"), "/abs/x.duckdb"; got != want {
		t.Errorf("Path(absolute) = %q, want %q", got, want)
	}
	clock := c.Clock()
	if clock == nil {
		t.Fatal("Clock() is nil with now set")
	}
	if got, want := clock(), time.Date(2026, 11, 23, 7, 0, 0, 0, pipelines.Shanghai); !got.Equal(want) {
		t.Errorf("Clock()() = %v, want %v", got, want)
	}
	if got, want := c.OnceDate(), time.Date(2026, 11, 20, 0, 0, 0, 0, pipelines.Shanghai); !got.Equal(want) {
		t.Errorf("OnceDate() = %v, want %v", got, want)
	}
	if got, want := strings.Join(c.SourceNames(), ","), "biz,stats"; got != want {
		t.Errorf("SourceNames() = %q, want %q", got, want)
	}
}

// TestConfig_CountEvery: snapshot.count_every defaults to 0 (every run);
// a table's count_every overrides it, and 0 there is "every run", not
// "the run's".
func TestConfig_CountEvery(t *testing.T) {
	c := mustParse(t, base, "")
	if got := c.Snapshot.CountEvery; got != 0 {
		t.Errorf("default count_every = %v, want 0", got)
	}
	c = mustParse(t, `mysql: {addr: h:3306, user: u}
snapshot: {count_every: 1h}
sources:
  biz:
    database: biz
    policies:
      gps: {policy: append, count_every: 0s}
      cases: {policy: incremental, watermark: updated_at, count_every: 15m}
      media: {policy: append}
`, "")
	if got := c.Snapshot.CountEvery; got != time.Hour {
		t.Errorf("count_every: 1h gives %v", got)
	}
	pols := c.Sources["biz"].Policies
	for table, want := range map[string]time.Duration{"gps": 0, "cases": 15 * time.Minute, "media": time.Hour} {
		if got := pols[table].CountEveryOr(c.Snapshot.CountEvery); got != want {
			t.Errorf("%s: CountEveryOr(%v) = %v, want %v", table, c.Snapshot.CountEvery, got, want)
		}
	}
}

// TestConfig_Validate_InheritedAddrOnce: a bad mysql.addr is one error
// naming mysql.addr, not one per source that inherits it; a source's own
// bad addr is still named by the source.
func TestConfig_Validate_InheritedAddrOnce(t *testing.T) {
	src := "mysql: {addr: dbhost, user: u}\nsources:\n  biz: {database: biz}\n  stats: {database: stats}\n" +
		"  fe: {database: fe, addr: fehost}\n"
	_, err := config.Parse(strings.NewReader(src), "site.yaml", t.TempDir())
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if n := strings.Count(msg, `mysql.addr: "dbhost" is not host:port`); n != 1 {
		t.Errorf("mysql.addr reported %d times, want once: %s", n, msg)
	}
	if strings.Contains(msg, "sources.biz.addr") || strings.Contains(msg, "sources.stats.addr") {
		t.Errorf("an inherited addr is reported per source: %s", msg)
	}
	if !strings.Contains(msg, `sources.fe.addr: "fehost" is not host:port`) {
		t.Errorf("a source's own bad addr is not named by the source: %s", msg)
	}
}

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // each must appear in the error
	}{
		{"timezone", base + "timezone: UTC\n",
			[]string{`timezone: "UTC" is not supported`}},
		{"source without database", base + "  exchange: {addr: 10.0.0.13:3306}\n",
			[]string{"sources.exchange.database: empty"}},
		{"source without addr and no mysql.addr",
			"sources:\n  biz: {database: biz, user: u}\n",
			[]string{"sources.biz.addr: empty (and no mysql.addr)"}},
		{"source without user and no mysql.user",
			"sources:\n  biz: {database: biz, addr: h:3306}\n",
			[]string{"sources.biz.user: empty (and no mysql.user)"}},
		{"addr not host:port", base + "  exchange: {database: exchange, addr: 10.0.0.13}\n",
			[]string{`sources.exchange.addr: "10.0.0.13" is not host:port`}},
		{"mysql.addr not host:port inherited",
			"mysql: {addr: dbhost, user: u}\nsources:\n  biz: {database: biz}\n",
			[]string{`mysql.addr: "dbhost" is not host:port`}},
		{"bad now", base + "now: \"2026-11-23 07:00\"\n",
			[]string{`now: "2026-11-23 07:00" is not an RFC 3339 time`}},
		{"bad once_at", base + "once_at: 20/11/2026\n",
			[]string{`once_at: "20/11/2026" is not a date YYYY-MM-DD`}},
		{"bad evidence.push_log", base + "evidence: {push_log: push_log}\n",
			[]string{`evidence.push_log: "push_log" is not source.table`}},
		{"schedule key not a cadence", base + "schedules:\n  every_15m: {stale_after: 3h}\n",
			[]string{"schedules.every_15m: not a periodic cadence"}},
		{"schedule key once", base + "schedules:\n  once: {deadline_after: 9h}\n",
			[]string{"schedules.once: not a periodic cadence"}},
		{"empty warehouse", base + "warehouse: \"\"\n",
			[]string{"warehouse: empty"}},
		{"every error at once", base + "timezone: UTC\nnow: yesterday\n",
			[]string{`timezone: "UTC"`, `now: "yesterday"`}},
		{"unknown field", "timezone: Asia/Shanghai\nwarehous: x.duckdb\n",
			[]string{"line 2", "field warehous not found"}},
		{"unknown nested field", base + "snapshot:\n  allow_primery: true\n",
			[]string{"line 10", "field allow_primery not found"}},
		{"negative count_every", base + "snapshot: {count_every: -1m}\n",
			[]string{"snapshot.count_every: -1m0s is negative"}},
		{"negative parallel and rate", base + "snapshot: {parallel: -3, max_rows_per_sec: -5}\n",
			[]string{"snapshot.parallel: -3 is negative", "snapshot.max_rows_per_sec: -5 is negative"}},
		{"negative table count_every", "mysql: {addr: h:3306, user: u}\nsources:\n  biz:\n    database: biz\n    policies:\n      gps: {policy: append, count_every: -5m}\n",
			[]string{"sources.biz.policies.gps.count_every: -5m0s is negative"}},
		{"password in the file", "warehouse: w.duckdb\nmysql:\n  addr: h:3306\n  user: u\n  password: secret\n",
			[]string{"field password not found", "give password_env or password_file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(strings.NewReader(tc.src), "site.yaml", "")
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := err.Error(), "config site.yaml: "; !strings.HasPrefix(got, want) {
				t.Errorf("error %q does not start with %q", got, want)
			}
			wantErrContains(t, err, tc.want...)
		})
	}
}

func TestConfig_ScheduleSet(t *testing.T) {
	c := mustParse(t, base+`schedules:
  daily_after_2300: {deadline_after: 8h, stale_after: 72h}
  every_10m: {stale_after: 30m}
`, "")
	def := pipelines.DefaultSchedules()
	got := c.ScheduleSet()
	tests := []struct {
		cadence          pipelines.Cadence
		align, dl, stale time.Duration
	}{
		{pipelines.DailyAfter2300, 23 * time.Hour, 8 * time.Hour, 72 * time.Hour},
		{pipelines.Every10m, 0, 10 * time.Minute, 30 * time.Minute},
		{pipelines.Every30m, def[pipelines.Every30m].Align, def[pipelines.Every30m].DeadlineAfter, def[pipelines.Every30m].StaleAfter},
		{pipelines.Hourly, def[pipelines.Hourly].Align, def[pipelines.Hourly].DeadlineAfter, def[pipelines.Hourly].StaleAfter},
	}
	for _, tc := range tests {
		t.Run(string(tc.cadence), func(t *testing.T) {
			s, ok := got[tc.cadence]
			if !ok {
				t.Fatal("no schedule")
			}
			want := pipelines.Schedule{Cadence: tc.cadence, Align: tc.align, DeadlineAfter: tc.dl, StaleAfter: tc.stale}
			if s != want {
				t.Errorf("schedule %+v, want %+v", s, want)
			}
		})
	}
	if got, want := pipelines.DefaultSchedules()[pipelines.DailyAfter2300].DeadlineAfter, 7*time.Hour; got != want {
		t.Errorf("defaults changed by ScheduleSet: DeadlineAfter = %v, want %v", got, want)
	}
}

// siteCatalog overrides city_gov/grid_info (a new table name and cadence)
// and adds a resource to city_gov, without restating the targets.
const siteCatalog = `
resources:
  - target: city_gov
    key: grid_info
    seq: 1
    name_zh: 数字化城管网格信息（本地）
    category_zh: 业务数据
    cadence: daily_after_2300
    mode: rows
    key_columns: [resp_grid_id]
    table: grid_info_local
    from: biz.resp_grids rg
    columns:
      - {name: resp_grid_id, zh: 责任网格 ID, type: BIGINT, expr: rg.id}
  - target: city_gov
    key: case_count_local
    seq: 99
    name_zh: 本地案件数
    category_zh: 业务数据
    cadence: hourly
    mode: rows
    key_columns: [case_id]
    table: case_count_local
    from: biz.cases c
    where: c.report_time >= :window_start AND c.report_time < :window_end
    columns:
      - {name: case_id, zh: 案件 ID, type: BIGINT, expr: c.id}
`

func TestConfig_LoadCatalog(t *testing.T) {
	def, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("embedded only", func(t *testing.T) {
		cat, err := mustParse(t, base, "").LoadCatalog()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(cat.Resources), len(def.Resources); got != want {
			t.Errorf("%d resources, want %d", got, want)
		}
	})
	t.Run("site overrides one and adds one", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "site-catalog.yaml"), []byte(siteCatalog), 0o644); err != nil {
			t.Fatal(err)
		}
		cat, err := mustParse(t, base+"catalog: site-catalog.yaml\n", dir).LoadCatalog()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(cat.Resources), len(def.Resources)+1; got != want {
			t.Errorf("%d resources, want %d", got, want)
		}
		if got, want := len(cat.Targets), len(def.Targets); got != want {
			t.Errorf("%d targets, want %d", got, want)
		}
		r, ok := cat.Resource("city_gov", "grid_info")
		if !ok {
			t.Fatal("city_gov/grid_info gone")
		}
		if got, want := r.Table, "grid_info_local"; got != want {
			t.Errorf("overridden table = %q, want %q", got, want)
		}
		if got, want := r.Cadence, pipelines.DailyAfter2300; got != want {
			t.Errorf("overridden cadence = %q, want %q", got, want)
		}
		added, ok := cat.Resource("city_gov", "case_count_local")
		if !ok {
			t.Fatal("city_gov/case_count_local not added")
		}
		if got, want := added.Cadence, pipelines.Hourly; got != want {
			t.Errorf("added cadence = %q, want %q", got, want)
		}
		other, _ := def.Resource("city_gov", "facility_region_distribution")
		if got, ok := cat.Resource("city_gov", "facility_region_distribution"); !ok || got.Table != other.Table {
			t.Errorf("untouched resource changed: %+v", got)
		}
	})
	t.Run("site restating a target", func(t *testing.T) {
		dir := t.TempDir()
		src := "targets:\n  - {key: city_gov, name_zh: 市网络理政中心, name_en: City Gov, database: fe_city_gov_local}\n" + siteCatalog
		if err := os.WriteFile(filepath.Join(dir, "site-catalog.yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cat, err := mustParse(t, base+"catalog: site-catalog.yaml\n", dir).LoadCatalog()
		if err != nil {
			t.Fatal(err)
		}
		tg, ok := cat.Target("city_gov")
		if !ok {
			t.Fatal("city_gov gone")
		}
		if got, want := tg.Database, "fe_city_gov_local"; got != want {
			t.Errorf("target database = %q, want %q", got, want)
		}
		if got, want := len(cat.Targets), len(def.Targets); got != want {
			t.Errorf("%d targets, want %d", got, want)
		}
	})
	invalid := []struct {
		name, src string
		want      []string
	}{
		{"bad cadence", strings.Replace(siteCatalog, "cadence: hourly", "cadence: weekly", 1),
			[]string{`resources[1] (city_gov/case_count_local).cadence: "weekly" is not a cadence`}},
		{"unknown target", strings.Replace(siteCatalog, "target: city_gov\n    key: case_count_local", "target: nowhere\n    key: case_count_local", 1),
			[]string{`resources[1] (nowhere/case_count_local).target: "nowhere" is not a target`}},
		{"unknown field", strings.Replace(siteCatalog, "    seq: 99\n", "    seq: 99\n    sequence: 99\n", 1),
			[]string{"field sequence not found"}},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			if tc.src == siteCatalog {
				t.Fatal("replacement did not apply")
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "site-catalog.yaml")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := mustParse(t, base+"catalog: site-catalog.yaml\n", dir).LoadCatalog()
			if err == nil {
				t.Fatal("no error")
			}
			wantErrContains(t, err, append([]string{path}, tc.want...)...)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		_, err := mustParse(t, base+"catalog: absent.yaml\n", dir).LoadCatalog()
		if err == nil {
			t.Fatal("no error")
		}
		if want := filepath.Join(dir, "absent.yaml"); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	})
}

func TestParse_InspectionDeadline(t *testing.T) {
	c := mustParse(t, base+"inspection_deadline: \"07:30\"\n", t.TempDir())
	if c.InspectionDeadline != "07:30" {
		t.Errorf("inspection_deadline = %q", c.InspectionDeadline)
	}
	_, err := config.Parse(strings.NewReader(base+"inspection_deadline: \"9\"\n"), "site.yaml", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "inspection_deadline") {
		t.Errorf("inspection_deadline 9: error %v, want one naming the key", err)
	}
}

// TestConfig_TypeErrorsNameTheKey holds how a value of the wrong kind and
// an unknown key are reported: the line, the key's path and what it takes
// in the file's terms, never Go's types.
func TestConfig_TypeErrorsNameTheKey(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"a duration in words", base + "serve:\n  reconcile_delay: ten minutes\n",
			"line 10: serve.reconcile_delay: `ten minutes` where a duration such as 90s, 30m or 2h is expected"},
		{"a duration without its unit", base + "snapshot: {count_every: 30}\n",
			"line 9: snapshot.count_every: `30` where a duration such as 90s, 30m or 2h is expected"},
		{"a list where a mapping is expected", "sources:\n  - biz\n  - stats\n",
			"line 2: sources: a list where a mapping (name: value) is expected"},
		{"a word where a number is expected", base + "snapshot: {parallel: two, max_rows_per_sec: 5}\n",
			"line 9: snapshot.parallel: `two` where a whole number is expected"},
		{"a mapping where a text is expected", base + "warehouse: {path: w.duckdb}\n",
			"line 9: warehouse: a mapping where a text is expected"},
		{"a fraction where a whole number is expected (yaml.v3 would truncate it)", base + "snapshot:\n  parallel: 1.5\n",
			"line 10: snapshot.parallel: `1.5` where a whole number is expected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse(strings.NewReader(tc.src), "site.yaml", "")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasSuffix(err.Error(), "\n  "+tc.want) {
				t.Errorf("error %q\ndoes not end with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "config.") || strings.Contains(err.Error(), "time.Duration") {
				t.Errorf("error %q names a Go type", err)
			}
		})
	}
	if c := mustParse(t, base+"snapshot: {parallel: 2.0}\n", ""); c.Snapshot.Parallel != 2 {
		t.Errorf("parallel: 2.0 read as %d, want 2", c.Snapshot.Parallel)
	}
	_, err := config.Parse(strings.NewReader("mysql: {addr: h:3306, user: u}\nsources:\n  biz:\n    database: biz\n    bogus_key: 1\n"), "site.yaml", "")
	wantErrContains(t, err, "line 5: field bogus_key not found in sources.biz (", "addr, ", "database, ", "policies")
	_, err = config.Parse(strings.NewReader("warehous: w.duckdb\n"), "site.yaml", "")
	wantErrContains(t, err, "line 1: field warehous not found at the top level (", "warehouse, ")
}
