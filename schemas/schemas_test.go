package schemas_test

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
	"github.com/chengdu-cgw/pushaudit/schemas"
)

var update = flag.Bool("update", false, "rewrite the generated front-end DDL files (mysql/frontend/<target>.sql)")

// TestFrontendDDL checks that mysql/frontend/<target>.sql is what
// Catalog.FrontendDDL generates for each target; -update rewrites them.
func TestFrontendDDL(t *testing.T) {
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, tg := range cat.Targets {
		name := tg.Key + ".sql"
		want[name] = true
		ddl, err := cat.FrontendDDL(tg.Key)
		if err != nil {
			t.Fatalf("%s: %v", tg.Key, err)
		}
		path := filepath.Join("mysql", "frontend", name)
		if *update {
			if err := os.WriteFile(path, []byte(ddl), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./schemas -run TestFrontendDDL -update)", err)
		}
		if string(got) != ddl {
			t.Errorf("%s differs from Catalog.FrontendDDL(%q); run go test ./schemas -run TestFrontendDDL -update", path, tg.Key)
		}
		embedded, err := schemas.MySQL("frontend/" + tg.Key)
		if err != nil {
			t.Errorf("schemas.MySQL(%q): %v", "frontend/"+tg.Key, err)
		} else if embedded != ddl {
			t.Errorf("embedded frontend/%s differs from Catalog.FrontendDDL", tg.Key)
		}
	}
	entries, err := os.ReadDir(filepath.Join("mysql", "frontend"))
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && !want[e.Name()] {
			stale = append(stale, e.Name())
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("mysql/frontend holds files of no target: %s", strings.Join(stale, ", "))
	}
}

// TestFrontendTables checks that each front-end file creates one table per
// non-receipt resource of its target, named as the resource's table.
func TestFrontendTables(t *testing.T) {
	if *update {
		t.Skip("files are being rewritten")
	}
	cat, err := pipelines.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range cat.Targets {
		ddl, err := schemas.MySQL("frontend/" + tg.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cat.ResourcesOf(tg.Key) {
			has := strings.Contains(ddl, "\nCREATE TABLE "+r.Table+" (\n")
			if r.Mode == pipelines.ModeReceipt && has {
				t.Errorf("%s: receipt resource has a table", r.ID())
			}
			if r.Mode != pipelines.ModeReceipt && !has {
				t.Errorf("%s: no CREATE TABLE %s in frontend/%s.sql", r.ID(), r.Table, tg.Key)
			}
		}
	}
}
