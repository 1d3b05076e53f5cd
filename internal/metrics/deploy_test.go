package metrics_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chengdu-cgw/pushaudit/internal/metrics/metricstest"
)

var (
	rulesFile     = filepath.Join("..", "..", "deploy", "prometheus", "pushaudit-rules.yml")
	rulesTestFile = filepath.Join("..", "..", "deploy", "prometheus", "pushaudit-rules.test.yml")
	dashboardFile = filepath.Join("..", "..", "deploy", "grafana", "pushaudit-dashboard.json")
	metricName    = regexp.MustCompile(`\bpushaudit_[a-z0-9_]+`)
)

func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(metricstest.MustPromtool(t), args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func TestRules_PromtoolCheck(t *testing.T) {
	runPromtool(t, ".", "check", "rules", rulesFile)
}

// TestRules_PromtoolTest runs the rules' unit tests: each alert fires on
// the series that should raise it and not on its neighbours.
func TestRules_PromtoolTest(t *testing.T) {
	runPromtool(t, filepath.Dir(rulesTestFile), "test", "rules", filepath.Base(rulesTestFile))
}

// knownNames are the metric names the registry exports.
func knownNames(t *testing.T) map[string]bool {
	t.Helper()
	fams, err := populated().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

// checkExprs fails for an expression naming no pushaudit_ metric or one
// the registry does not export.
func checkExprs(t *testing.T, file string, exprs []string) {
	t.Helper()
	known := knownNames(t)
	if len(exprs) == 0 {
		t.Fatalf("%s: no expressions found", file)
	}
	for _, e := range exprs {
		names := metricName.FindAllString(e, -1)
		if len(names) == 0 && !strings.Contains(e, "up{") {
			t.Errorf("%s: %q names no pushaudit_ metric", file, e)
		}
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s: %q uses %s, which internal/metrics does not export", file, e, n)
			}
		}
	}
}

func TestRules_UseExportedMetrics(t *testing.T) {
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	var exprs []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	checkExprs(t, rulesFile, exprs)
}

func TestDashboard_UsesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	if d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: no title or no panels", dashboardFile)
	}
	var exprs []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("%s: panel %q has no query", dashboardFile, p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok && v.Type == "query" {
			exprs = append(exprs, q)
		}
	}
	checkExprs(t, dashboardFile, exprs)
}

// TestPrometheus_ScrapesAndAlerts starts Debian's Prometheus with the
// shipped rules against a /metrics endpoint, reads a metric back through
// its HTTP API and waits for the 一级 alert to fire.
func TestPrometheus_ScrapesAndAlerts(t *testing.T) {
	srv := httptest.NewServer(populated().Handler())
	defer srv.Close()
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	prom := metricstest.Start(t, strings.TrimPrefix(srv.URL, "http://"), rules)
	metricstest.WaitFor(t, "pushaudit_findings_open read back through the query API", func() (bool, string) {
		r, body, ok := prom.Query(`pushaudit_findings_open{fault_level="1"}`)
		if !ok || len(r) != 1 {
			return false, body
		}
		return r[0].Metric["target"] == "city_gov" && r[0].Metric["job"] == metricstest.Job && r[0].Value == "3", body
	})
	metricstest.WaitFor(t, "PushauditLevel1FindingOpen firing", func() (bool, string) {
		alerts, body, ok := prom.Alerts()
		for _, a := range alerts {
			if ok && a.Labels["alertname"] == "PushauditLevel1FindingOpen" && a.State == "firing" && a.Labels["target"] == "city_gov" {
				return true, body
			}
		}
		return false, body
	})
}
