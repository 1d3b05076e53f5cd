package reconcile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestKeyDiff_IntegerKeysAsText: a single integer key is diffed as an
// integer (diffKeyOf), and every answer must be the one the text form of
// the same key gives (keyExpr): the same missing, extra, duplicate and
// mismatched keys written the same way, with NULL keys as '␀' that match
// each other, on both forms and by window. The sides are random over keys
// with a NULL (held once, received twice), negative and extreme values,
// the received key stored as text (a front end's VARCHAR column, cast as
// the catalog's type says).
func TestKeyDiff_IntegerKeysAsText(t *testing.T) {
	for _, typ := range []string{"bigint", "int unsigned", "bigint unsigned"} {
		for _, byWindow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, by window %v", typ, byWindow), func(t *testing.T) {
				db := mustOpenWarehouse(t)
				rnd := rand.New(rand.NewPCG(uint64(len(typ)), 11))
				keys := []string{"NULL", "0", "1", "7", "4294967295"}
				switch typ {
				case "bigint":
					keys = append(keys, "9223372036854775807", "-1", "-9223372036854775808")
				case "bigint unsigned":
					keys = append(keys, "9223372036854775807", "9223372036854775808", "18446744073709551615")
				}
				for i := range 3000 {
					keys = append(keys, fmt.Sprint(1000+i*37))
				}
				windows := []string{"2026-11-20 10:00:00", "2026-11-20 10:30:00"}
				mult := func() int { return []int{0, 1, 1, 1, 1, 2, 3}[rnd.IntN(7)] }
				var src, rcv []string
				for _, k := range keys {
					w := windows[rnd.IntN(len(windows))]
					text := "NULL"
					if k != "NULL" {
						text = "'" + k + "'"
					}
					ns, nr := mult(), mult()
					if k == "NULL" {
						ns, nr = 1, 2 // NULL matches NULL, and is received twice
					}
					for range ns {
						src = append(src, fmt.Sprintf("('%s', %s, %d)", w, k, rnd.IntN(3)))
					}
					for range nr {
						rcv = append(rcv, fmt.Sprintf("('%s', %s, %d)", w, text, rnd.IntN(3)))
					}
				}
				duck, _ := pipelines.DuckTypeOf(typ)
				mustExec(t, db, `CREATE TABLE s (__w TIMESTAMP, id `+duck+`, v INTEGER)`,
					`CREATE TABLE r (__w TIMESTAMP, id VARCHAR, v INTEGER, `+pushedColumn+` TIMESTAMP)`,
					"INSERT INTO s VALUES "+strings.Join(src, ","), "INSERT INTO r (__w, id, v) VALUES "+strings.Join(rcv, ","))
				res := &pipelines.Resource{Mode: pipelines.ModeRows, KeyColumns: []string{"id"},
					Columns: []pipelines.Column{{Name: "id", Type: typ}, {Name: "v", Type: "int"}}}
				asInt, asText := diffKeyOf(res), diffKey{res: res}
				if asInt.intType == "" {
					t.Fatalf("a single %s key is not diffed as an integer", typ)
				}
				for _, f := range []diffForm{leanDiff, bucketDiff} {
					want := diffRows(t, db, asText.query(f, "SELECT * FROM s", "SELECT * FROM r", byWindow), byWindow)
					got := diffRows(t, db, asInt.query(f, "SELECT * FROM s", "SELECT * FROM r", byWindow), byWindow)
					if !slices.Equal(got, want) {
						t.Errorf("%s form: %d rows as integers, %d as text; first differences: %q", f, len(got), len(want), firstDiffs(got, want, 5))
					}
					// the sides hold every kind of answer, NULL keys too
					for _, kind := range []string{" missing ", " extra ", " duplicate ", " mismatch ", " ␀ "} {
						if !slices.ContainsFunc(want, func(l string) bool { return strings.Contains(l, kind) }) {
							t.Errorf("%s form: no %q line: the sides do not try it", f, kind)
						}
					}
				}
			})
		}
	}
}
