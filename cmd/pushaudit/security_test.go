package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/internal/warehouse"
)

// TestMain_Run_SelectOnlyNoSecrets runs the whole job (check, snapshot,
// reconcile, explain, daily and monthly reports) as a MySQL user that may
// only SELECT the simulated databases, with a password of its own, and
// then looks for that password everywhere the run left something: every
// line it printed, every file under the site folder (workbooks unzipped,
// the warehouse's bytes) and every text value of every warehouse table.
func TestMain_Run_SelectOnlyNoSecrets(t *testing.T) {
	dsn, db := MustMariaDB(t)
	prefix := MustUniquePrefix(t, db)
	isolateEnv(t)
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	MustRunMain(t, exitOK, "sim", "--mysql", dsn, "--db-prefix", prefix, "--seed", "11", "--days", "1",
		"--cases-per-day", "200", "--faults", "4", "--write-config", site)

	password := fmt.Sprintf("Ro-%d-secret-pw", time.Now().UnixNano()%1e9)
	user := "pa_ro_" + strings.TrimSuffix(strings.TrimPrefix(prefix, "pacli_"), "_")
	mustExec(t, db,
		"CREATE USER '"+user+"'@'%' IDENTIFIED BY '"+password+"'",
		"GRANT SELECT ON `"+strings.ReplaceAll(prefix, "_", `\_`)+"%`.* TO '"+user+"'@'%'")
	t.Cleanup(func() { _, _ = db.Exec("DROP USER IF EXISTS '" + user + "'@'%'") })
	text, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	userRE := regexp.MustCompile(`(?m)^(\s+user:\s*).*$`)
	if !userRE.Match(text) {
		t.Fatalf("no user: line in %s:\n%s", site, text)
	}
	MustWriteFile(t, dir, "site.yaml", maskedSiteConfig(t, db, userRE.ReplaceAllString(string(text), "${1}"+user)))
	MustWriteFile(t, dir, "site.password", password+"\n")
	MustWriteFile(t, dir, "site.maskkey", "the key of a site that masks personal data\n")
	personal := mustClearPersonalData(t, db, prefix+"biz")

	var printed strings.Builder
	run := func(want int, args ...string) runResult {
		r := MustRunMain(t, want, append([]string{"--config", site}, args...)...)
		printed.WriteString(r.stdout + r.stderr)
		return r
	}
	run(exitOK, "check")
	run(exitOK, "snapshot")
	r := run(exitFindings, "reconcile", "--from", "2026-11-20", "--to", "2026-11-21", "--format", "json")
	explained := false
	for _, l := range lines(r.stdout) {
		var res struct {
			Target, Resource, Status string
			WindowStart              string `json:"window_start"`
		}
		if json.Unmarshal([]byte(l), &res) == nil && res.Status != "ok" && res.Status != "unverifiable" {
			ex := runMain(t, "--config", site, "explain", "--target", res.Target, "--resource", res.Resource, "--window", res.WindowStart)
			if ex.code != exitOK && ex.code != exitFindings {
				t.Errorf("explain: exit %d\n%s", ex.code, tail(ex.stderr, 10))
			}
			printed.WriteString(ex.stdout + ex.stderr)
			explained = true
			break
		}
	}
	if !explained {
		t.Errorf("no finding to explain among the results:\n%s", tail(r.stdout, 5))
	}
	run(exitOK, "report", "--period", "2026-11-20")
	run(exitOK, "report", "--period", "2026-11")

	// A write as this user fails: read-only by grant, whatever pushaudit does.
	c, err := config.Load(site)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(printed.String(), password); got != 0 {
		t.Errorf("the password is printed %d times", got)
	}
	personal.lookIn(t, "the printed output", printed.String())
	found := 0
	inputs := map[string]bool{"site.yaml": true, "site.password": true, "site.maskkey": true}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "site.password" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(password)) {
			t.Errorf("%s holds the password", p)
		}
		// The receipts and the config are the site's input: they hold clear
		// values as the source does. The warehouse file is compressed; its
		// columns are searched below.
		if rel, _ := filepath.Rel(dir, p); !inputs[rel] && !strings.HasPrefix(rel, "receipts"+string(filepath.Separator)) &&
			!strings.Contains(p, ".duckdb") && !strings.HasSuffix(p, ".xlsx") {
			personal.lookIn(t, p, string(b))
		}
		found++
		if strings.HasSuffix(p, ".xlsx") {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				x, _ := io.ReadAll(rc)
				rc.Close()
				if bytes.Contains(x, []byte(password)) {
					t.Errorf("%s!%s holds the password", p, f.Name)
				}
				personal.lookIn(t, p+"!"+f.Name, string(x))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 3 {
		t.Fatalf("only %d files under %s: the run left nothing to look at", found, dir)
	}

	wh, err := warehouse.Open(context.Background(), c.Path(c.Warehouse))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	rows, err := wh.DB().Query(`SELECT table_schema, table_name, column_name FROM information_schema.columns
		WHERE data_type = 'VARCHAR' AND table_catalog = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][3]string
	for rows.Next() {
		var c [3]string
		if err := rows.Scan(&c[0], &c[1], &c[2]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("only %d text columns in the warehouse", len(cols))
	}
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM "%s"."%s" WHERE contains("%s", ?)`, c[0], c[1], c[2])
		if err := wh.DB().QueryRow(q, password).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			t.Errorf("warehouse %s.%s.%s holds the password in %d rows", c[0], c[1], c[2], n)
		}
	}
	personal.lookInWarehouse(t, wh, cols)
	t.Logf("password and %d clear personal values looked for in %d printed bytes, %d files and %d warehouse text columns", personal.n(), printed.Len(), found, len(cols))
}
