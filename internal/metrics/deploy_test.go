package metrics_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	rulesFile     = filepath.Join("..", "..", "deploy", "prometheus", "pushaudit-rules.yml")
	rulesTestFile = filepath.Join("..", "..", "deploy", "prometheus", "pushaudit-rules.test.yml")
	dashboardFile = filepath.Join("..", "..", "deploy", "grafana", "pushaudit-dashboard.json")
	metricName    = regexp.MustCompile(`\bpushaudit_[a-z0-9_]+`)
)

func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(MustPromtool(t), args...)
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
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (%v); scripts/test-deps.sh installs it (apt-get install prometheus)", err)
	}
	srv := httptest.NewServer(populated().Handler())
	defer srv.Close()
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: pushaudit
    static_configs: [{targets: [%q]}]
`, rules, strings.TrimPrefix(srv.URL, "http://"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	api := "http://" + addr + "/api/v1/"
	waitFor(t, "pushaudit_findings_open read back through the query API", func() (bool, string) {
		var r struct {
			Data struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  []any             `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		body, ok := getJSON(api+"query?query="+url.QueryEscape(`pushaudit_findings_open{fault_level="1"}`), &r)
		if !ok || len(r.Data.Result) != 1 {
			return false, body
		}
		res := r.Data.Result[0]
		return res.Metric["target"] == "city_gov" && res.Metric["job"] == "pushaudit" && res.Value[1] == "3", body
	})
	waitFor(t, "PushauditLevel1FindingOpen firing", func() (bool, string) {
		var r struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		body, ok := getJSON(api+"alerts", &r)
		for _, a := range r.Data.Alerts {
			if ok && a.Labels["alertname"] == "PushauditLevel1FindingOpen" && a.State == "firing" && a.Labels["target"] == "city_gov" {
				return true, body
			}
		}
		return false, body
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func getJSON(u string, v any) (string, bool) {
	resp, err := http.Get(u)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode == http.StatusOK && json.Unmarshal(b, v) == nil
}

// waitFor polls cond every 200 ms for up to 60 s (Prometheus starts,
// scrapes and evaluates on its own schedule).
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ok, body := cond()
		if ok {
			return
		}
		last = body
	}
	t.Fatalf("timed out waiting for %s; last answer: %s", what, last)
}
