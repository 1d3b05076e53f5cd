package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds the golden receipt files with extension ext to the
// corpus.
func seedFiles(f *testing.F, ext string) {
	paths, _ := filepath.Glob(filepath.Join(goldenDir, "*", "t", "*"+ext))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// checkParsed holds for any input: no panic (the fuzzer sees it), every
// error names the file, every kept record has its key, every value is in
// the canonical form (which converts to itself, so DuckDB's cast cannot
// fail), and a failed file has an error.
func checkParsed(t *testing.T, file string, s *schema, p *parsed) {
	for _, e := range p.errs {
		if e.File != file || e.Msg == "" {
			t.Fatalf("error without the file or a message: %+v", e)
		}
		if !strings.HasPrefix(e.Error(), file) {
			t.Fatalf("error text does not start with the file: %q", e.Error())
		}
	}
	if p.rows != int64(len(p.recs)) {
		t.Fatalf("%d rows counted, %d kept", p.rows, len(p.recs))
	}
	if p.failed && len(p.errs) == 0 {
		t.Fatal("failed file without an error")
	}
	if int64(len(p.errs)) < p.rejected {
		t.Fatalf("%d rejected rows, %d errors", p.rejected, len(p.errs))
	}
	for _, r := range p.recs {
		for j, v := range r.vals {
			c := &s.cols[j]
			if v == nil {
				if c.Key {
					t.Fatalf("record without key %s", c.Name)
				}
				continue
			}
			if again, msg := convert(c, *v, false); msg != "" || again != *v {
				t.Fatalf("column %s: %q is not canonical (%q, %s)", c.Name, *v, again, msg)
			}
		}
	}
}

func FuzzReceiptCSV(f *testing.F) {
	seedFiles(f, ".csv")
	for _, s := range []string{
		"", "code\n", "code\nA\n", "编码,金额\nA,1.5\n", "code,amount\n\"A\n", "code,n\nA,1\nB\n",
		"\xef\xbb\xbfcode,day\nA,2026-11-20\n", "code,reported_at\nA,2026-11-20T10:00:00Z\n",
		"code,name\n\"A\"\"\",\"x\ny\"\n", "code\n\xb1\xe0\n", "code,arrived_at\nA,bad\n",
	} {
		f.Add([]byte(s))
	}
	s := newSchema(fxResource())
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fx_fuzz.csv"
		checkParsed(t, file, s, parseCSV(file, data, s, nil))
	})
}

func FuzzReceiptJSON(f *testing.F) {
	seedFiles(f, ".json")
	for _, s := range []string{
		"", "[]", "{}", `{"records": []}`, `[{"code": "A"}]`, `[{"code": 1e400}]`, `[{"code": "A", "n": 1.0}]`,
		`{"records": [{"编码": "A", "金额": "1.5"}]}`, `[{"code": "A"},]`, `[{"code": "A", "code": "B"}]`,
		`[{"code": "A", "day": true}]`, `[null, 1, "x", []]`, `{"records": {}}`, "[\n{\"code\":\"\xb1\xe0\"}]",
	} {
		f.Add([]byte(s))
	}
	s := newSchema(fxResource())
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fx_fuzz.json"
		checkParsed(t, file, s, parseJSON(file, data, s, nil))
	})
}
