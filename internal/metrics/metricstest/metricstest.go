// Package metricstest is for tests only: it starts Debian's Prometheus
// on loopback, scraping a /metrics endpoint every second with optional
// rule files, and reads series and alerts back through its HTTP API.
package metricstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Job is the scrape job's name, the job label of every series scraped.
const Job = "pushaudit"

// MustPromtool returns the path of Debian's promtool, failing with the
// way to install it.
func MustPromtool(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		tb.Fatalf("promtool not found (%v); scripts/test-deps.sh installs it (apt-get install prometheus)", err)
	}
	return p
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// API is the base of its HTTP API, ending in /api/v1/.
	API string
}

// Start runs Prometheus scraping target (host:port, path /metrics) with
// the rule files (absolute paths) until the test ends; its log is shown
// if the test fails.
func Start(tb testing.TB, target string, ruleFiles ...string) *Prometheus {
	tb.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		tb.Fatalf("prometheus not found (%v); scripts/test-deps.sh installs it (apt-get install prometheus)", err)
	}
	rules, err := json.Marshal(ruleFiles) // a YAML flow sequence
	if err != nil {
		tb.Fatal(err)
	}
	if ruleFiles == nil {
		rules = []byte("[]")
	}
	dir := tb.TempDir()
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: %s
scrape_configs:
  - job_name: %s
    static_configs: [{targets: [%q]}]
`, rules, Job, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	addr := freeAddr(tb)
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("prometheus log:\n%s", log.String())
		}
	})
	return &Prometheus{API: "http://" + addr + "/api/v1/"}
}

// Sample is one series of a query's answer and its value.
type Sample struct {
	Metric map[string]string
	Value  string
}

// Query evaluates expr now; it returns the samples, and the body of the
// answer for a failure message (ok false when the query failed).
func (p *Prometheus) Query(expr string) ([]Sample, string, bool) {
	var r struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  []any             `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	body, ok := GetJSON(p.API+"query?query="+url.QueryEscape(expr), &r)
	if !ok {
		return nil, body, false
	}
	var out []Sample
	for _, x := range r.Data.Result {
		s := Sample{Metric: x.Metric}
		if len(x.Value) == 2 {
			s.Value, _ = x.Value[1].(string)
		}
		out = append(out, s)
	}
	return out, body, true
}

// Alert is one alert of the rules, pending or firing.
type Alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

// Alerts lists the alerts; the body is for a failure message.
func (p *Prometheus) Alerts() ([]Alert, string, bool) {
	var r struct {
		Data struct {
			Alerts []Alert `json:"alerts"`
		} `json:"data"`
	}
	body, ok := GetJSON(p.API+"alerts", &r)
	return r.Data.Alerts, body, ok
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// GetJSON decodes the JSON answer of a GET of u into v; it returns the
// body (or the error) and whether the answer was 200 and decoded.
func GetJSON(u string, v any) (string, bool) {
	resp, err := http.Get(u)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode == http.StatusOK && json.Unmarshal(b, v) == nil
}

// WaitFor polls cond every 200 ms for up to 60 s (Prometheus starts,
// scrapes and evaluates on its own schedule); cond returns whether it
// holds and what it saw, shown when it never does.
func WaitFor(tb testing.TB, what string, cond func() (bool, string)) {
	tb.Helper()
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ok, body := cond()
		if ok {
			return
		}
		last = body
	}
	tb.Fatalf("timed out waiting for %s; last answer: %s", what, last)
}
