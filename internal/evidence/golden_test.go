package evidence

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

const goldenDir = "../../testdata/evidence"

// gbkSource is the text of testdata/evidence/gbk_csv, written in GBK by
// -update.
const gbkSource = "编码,名称,金额,上报时间,日期,数量\r\n" +
	"G-1,成华区 城管委,30.5,2026-11-20 10:00:00,2026-11-20,3\r\n" +
	"G-2,\"彭州市,青白江区\",,,,\r\n" +
	"g-1,€ 符号,1,2026-11-20 10:00:00,2026-11-20,1\r\n"

// TestReceiptFiles_Golden loads each case under testdata/evidence/<case>/t
// and compares the report and the table with <case>/want.golden; -update
// rewrites them.
func TestReceiptFiles_Golden(t *testing.T) {
	if *update {
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(gbkSource)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(goldenDir, "gbk_csv/t/fx_20261120.csv"), []byte(gbk), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*", "t"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, c := range cases {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			db := mustOpenDB(t)
			rep, err := (&ReceiptFiles{Dir: dir}).Load(context.Background(), db, fxResource(), fxTarget)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenText(t, rep, db)
			path := filepath.Join(dir, "want.golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

// goldenText renders a report and its table, with arrived_at shown as
// "mtime" where it is the file's modification time.
func goldenText(t *testing.T, rep pipelines.EvidenceReport, db *sql.DB) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: %d rows\n", rep.Table, rep.Rows)
	mtimes := map[string]string{}
	for _, f := range rep.Files {
		fmt.Fprintf(&b, "file %s: %d rows, %d rejected, failed %v\n", f.Name, f.Rows, f.Rejected, f.Failed)
		mtimes[f.Name] = f.ArrivedAt.Format(time.DateTime)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "error: %s\n", e.Error())
	}
	for _, w := range rep.Warnings {
		if strings.HasPrefix(w, "no receipt file") {
			w = "no receipt file matches"
		}
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	cols := append(dumpCols[:len(dumpCols)-1:len(dumpCols)-1], "strftime(arrived_at, '%Y-%m-%d %H:%M:%S')")
	lines := dumpTable(t, db, rep.Table, cols)
	for i, l := range lines {
		f := strings.Split(l, " | ")
		if batch, arrived := f[len(f)-2], f[len(f)-1]; mtimes[batch] == arrived {
			lines[i] = strings.TrimSuffix(l, arrived) + "mtime"
		}
	}
	sort.Strings(lines)
	b.WriteString("rows:\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "  %q\n", l)
	}
	return b.String()
}
