package evidence

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// badReceipts is the receipt part of the project's corpus of malformed
// inputs (testdata/bad, issue 14); badReceiptsGolden holds what each file
// gives.
const (
	badReceipts       = "../../testdata/bad/receipts"
	badReceiptsGolden = "../../testdata/bad/receipts.golden"
)

// hugeReceipt is the name of the 200 MB receipt the test makes (sparse:
// it takes no disk) rather than keeps in the repository.
const hugeReceipt = "fx_11_huge.csv"

// TestBadReceipts_Golden loads each malformed receipt of the corpus alone
// and holds what the load says against the golden file. Every file must
// load without a panic or a failed run, and each file that fails or
// loses rows must have an error naming it, with a line or row where the
// fault has one.
func TestBadReceipts_Golden(t *testing.T) {
	entries, err := os.ReadDir(badReceipts)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{hugeReceipt}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) < 15 {
		t.Fatalf("%d receipt cases, want at least 15", len(names))
	}
	var got strings.Builder
	slices.Sort(names)
	for _, name := range names {
		dir := t.TempDir()
		dst := filepath.Join(dir, fxTarget.Key, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if name == hugeReceipt {
			f, err := os.Create(dst)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(200 << 20); err != nil {
				t.Fatal(err)
			}
			f.Close()
		} else {
			b, err := os.ReadFile(filepath.Join(badReceipts, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db := mustOpenDB(t)
		rep, err := (&ReceiptFiles{Dir: dir}).Load(context.Background(), db, fxResource(), fxTarget)
		if err != nil {
			t.Errorf("%s: the load failed instead of reporting the file: %v", name, err)
			continue
		}
		fmt.Fprintf(&got, "== %s\n", name)
		for _, f := range rep.Files {
			fmt.Fprintf(&got, "file: %d rows, %d rejected, failed %v\n", f.Rows, f.Rejected, f.Failed)
			if (f.Failed || f.Rejected > 0) && !namedIn(rep, name) {
				t.Errorf("%s: failed or rejected rows, but no error names the file", name)
			}
		}
		for _, e := range rep.Errors {
			fmt.Fprintf(&got, "error: %s\n", e.Error())
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(&got, "warning: %s\n", strings.ReplaceAll(w, dir, "DIR"))
		}
	}
	if *update {
		if err := os.WriteFile(badReceiptsGolden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(badReceiptsGolden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", badReceiptsGolden, got.String())
	}
}

// namedIn reports whether an error of rep names the file.
func namedIn(rep pipelines.EvidenceReport, name string) bool {
	for _, e := range rep.Errors {
		if e.File == name {
			return true
		}
	}
	return false
}
