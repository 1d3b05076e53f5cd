package main

// End-to-end test of the demo command: its findings against the manifest of
// injected faults.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

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

	t.Run("incidents against the manifest", func(t *testing.T) { holdIncidents(t, out) })

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
