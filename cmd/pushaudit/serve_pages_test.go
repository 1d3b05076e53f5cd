package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/internal/schedule"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
	"github.com/chengdu-cgw/pushaudit/internal/web"
)

// TestServe_Pages: the daemon serves the status pages beside /healthz:
// before its first run they say there is no warehouse yet (503), after
// it the home page shows the targets and the scheduled runs.
func TestServe_Pages(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	addr, _, stop := startServe(t, dir, nil)
	defer stop()
	get := func(path string) (int, string) {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/"); code != http.StatusServiceUnavailable || !strings.Contains(body, "尚无数据仓库") {
		t.Errorf("/ before the first run: %d\n%.300s", code, body)
	}
	wh, err := warehouse.Open(context.Background(), filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	var body string
	waitFor(t, func() bool {
		var code int
		code, body = get("/")
		return code == http.StatusOK && strings.Contains(body, "report:day")
	})
	for _, want := range []string{"市网络理政中心", "下次运行", "无结果"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if code, body := get("/healthz"); code != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("/healthz beside the pages: %d %s", code, body)
	}
}

// TestServe_PagesOffLoopbackNeedToken: serve bound off loopback without
// serve.token_file does not start.
func TestServe_PagesOffLoopbackNeedToken(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	cfg := MustWriteFile(t, dir, "serve.yaml", idleConfig)
	r := runMain(t, "--config", cfg, "serve", "--listen", "0.0.0.0:0", "--for", "1m")
	if r.code != exitCannot || !strings.Contains(r.stderr, "serve.token_file is required") {
		t.Errorf("serve off loopback without a token file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestServe_PageHoldBusy: while a run holds the daemon's turn on the
// warehouse a page gets ErrBusy, and does not wait for the run.
func TestServe_PageHoldBusy(t *testing.T) {
	dir := t.TempDir()
	d := &daemon{clock: schedule.NewManual(shanghai("2026-11-21 10:00")), whPath: filepath.Join(dir, "w.duckdb"), whTurn: make(chan struct{}, 1)}
	d.whTurn <- struct{}{} // a run holds the turn
	called := false
	err := d.pageHold(context.Background(), func(*warehouse.Warehouse) error { called = true; return nil })
	if !errors.Is(err, web.ErrBusy) || called {
		t.Errorf("page while a run holds the warehouse: %v (read %v), want ErrBusy", err, called)
	}
	<-d.whTurn
	d.m = NewMain(io.Discard, io.Discard)
	if err := d.pageHold(context.Background(), func(*warehouse.Warehouse) error { called = true; return nil }); err != nil || !called {
		t.Errorf("page between runs: %v (read %v)", err, called)
	}
	if _, err := os.Stat(d.whPath); err != nil {
		t.Error(err)
	}
}
