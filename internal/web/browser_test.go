package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// browserPath is Debian's chromium-headless-shell, which make test
// installs (scripts/test-deps.sh).
const browserPath = "/usr/bin/chromium-headless-shell"

// browser starts the headless browser at a viewport of w×h and collects
// every console error, uncaught exception and browser log error of its
// pages. Without the browser the test is skipped, except under make test
// (PUSHAUDIT_REQUIRE_BROWSER) or CI, where it fails.
func browser(t *testing.T, w, h int) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(browserPath); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("PUSHAUDIT_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing: scripts/test-deps.sh installs it (apt-get install chromium-headless-shell)", browserPath)
		}
		t.Skipf("%s is missing: run make test (it installs chromium-headless-shell) to run the browser tests", browserPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browserPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", browserPath, err)
	}
	var mu sync.Mutex
	var errs []string
	done := make(chan struct{})
	msgs := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return tctx, func() []string {
		// a last round trip: the page's messages before it are queued.
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[int]("1"))
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// shot saves a full-page screenshot to the test's temp dir and, when
// PUSHAUDIT_SHOTS names a directory, there too.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{t.TempDir()}
	if d := os.Getenv("PUSHAUDIT_SHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// text is the visible text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// do runs the steps, failing the test on an error.
func steps(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser_Pages loads the home, a target and a finding page on a phone
// and on a laptop, checks what a user sees, acknowledges the finding
// through the form, and fails on any console error.
func TestBrowser_Pages(t *testing.T) {
	for _, vp := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"laptop", 1366, 900}} {
		t.Run(vp.name, func(t *testing.T) {
			f := newFixture(t)
			srv := httptest.NewServer(f.mux(t, "127.0.0.1:0", ""))
			defer srv.Close()
			ctx, errs := browser(t, vp.w, vp.h)
			steps(t, ctx, chromedp.Navigate(srv.URL+"/"))
			home := text(t, ctx, "main")
			shot(t, ctx, vp.name+"-home")
			steps(t, ctx, chromedp.Click(chromedp.CSS(`a.card[href^="/targets/`+f.target.Key+`"]`)), chromedp.WaitVisible(chromedp.CSS("table")))
			grid := text(t, ctx, "main")
			shot(t, ctx, vp.name+"-target")
			steps(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/findings/`+f.missedID+`"]`)), chromedp.WaitVisible(chromedp.CSS("form.ack")))
			before := text(t, ctx, "main")
			shot(t, ctx, vp.name+"-finding")
			steps(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name="by"]`), "张三"),
				chromedp.SendKeys(chromedp.CSS(`textarea[name="note"]`), "已联系厂商"),
				chromedp.Submit(chromedp.CSS("form.ack")),
				chromedp.WaitVisible(chromedp.CSS("#responded-by")))
			who, after := text(t, ctx, "#responded-by"), text(t, ctx, "main")
			shot(t, ctx, vp.name+"-acked")
			for _, want := range []string{f.target.NameZH, "红", "二级", "最近运行", "reconcile:hourly", "推送稽核日报_2026-11-20.xlsx"} {
				if !strings.Contains(home, want) {
					t.Errorf("home page lacks %q:\n%s", want, home)
				}
			}
			for _, want := range []string{f.res[0].NameZH, pipelines.StatusMissed.ZH(), pipelines.StatusLate.ZH(), "09:00"} {
				if !strings.Contains(grid, want) {
					t.Errorf("target page lacks %q:\n%s", want, grid)
				}
			}
			for _, want := range []string{"尚未响应", "batch-0800", "SQL", "run-1"} {
				if !strings.Contains(before, want) {
					t.Errorf("finding page lacks %q:\n%s", want, before)
				}
			}
			if who != "张三" || !strings.Contains(after, "已联系厂商") || !strings.Contains(after, "已响应") {
				t.Errorf("after the ack: by %q:\n%s", who, after)
			}
			if got := f.responded(t, f.missedID); got.RespondedBy != "张三" || got.ResponseNote != "已联系厂商" {
				t.Errorf("recorded by %q note %q", got.RespondedBy, got.ResponseNote)
			}
			if e := errs(); len(e) > 0 {
				t.Errorf("browser errors:\n%s", strings.Join(e, "\n"))
			}
		})
	}
}

// TestBrowser_RefreshKeepsScroll: a page reloads itself and comes back
// where it was scrolled to.
func TestBrowser_RefreshKeepsScroll(t *testing.T) {
	f := newFixture(t)
	c := *f.cfg
	s, err := New(Options{Warehouse: f.hold, Config: func() *config.Config { return &c }, Now: func() time.Time { return f.now },
		Listen: "127.0.0.1:0", Refresh: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, errs := browser(t, 390, 600)
	steps(t, ctx, chromedp.Navigate(srv.URL+"/findings/"+f.missedID))
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollTo(0, 400); window.__before = 1; window.scrollY`))
	if err != nil {
		t.Fatal(err)
	}
	// the page reloads itself within a second: wait for the new one (an
	// evaluation during the navigation fails, and is tried again).
	reloaded := false
	for i := 0; i < 100 && !reloaded; i++ {
		time.Sleep(100 * time.Millisecond)
		reloaded, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__before === undefined && document.readyState === "complete"`))
	}
	time.Sleep(200 * time.Millisecond)
	y, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if err != nil {
		t.Fatal(err)
	}
	if marker < 300 {
		t.Fatalf("the page scrolled only to %v: too short to test", marker)
	}
	if !reloaded || y != marker {
		t.Errorf("after the reload: scrollY %v, want %v (reloaded %v)", y, marker, reloaded)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("browser errors:\n%s", strings.Join(e, "\n"))
	}
}

// TestBrowser_CatchesConsoleErrors: the net the page tests rely on
// catches a console error and an uncaught exception.
func TestBrowser_CatchesConsoleErrors(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.mux(t, "127.0.0.1:0", ""))
	defer srv.Close()
	ctx, errs := browser(t, 800, 600)
	steps(t, ctx, chromedp.Navigate(srv.URL+"/"))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`console.error("boom"); setTimeout(function(){ throw new Error("bang"); }, 0); 1`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	got := strings.Join(errs(), "\n")
	if !strings.Contains(got, "boom") || !strings.Contains(got, "bang") {
		t.Errorf("collected %q, want the console error and the exception", got)
	}
}
