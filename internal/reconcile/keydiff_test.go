package reconcile

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// diffRows runs a key diff and lists its rows as "window kind key occ"
// (window empty for the single-window diff), sorted.
func diffRows(t *testing.T, db *sql.DB, q string, byWindow bool) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\nSQL: %s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w sql.NullTime
		var kind, key string
		var occ int64
		dest := []any{&kind, &key, &occ}
		if byWindow {
			dest = append([]any{&w}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		ws := ""
		if w.Valid {
			ws = w.Time.Format("15:04")
		}
		out = append(out, fmt.Sprintf("%s %s %s %d", ws, kind, key, occ))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// sameBucket finds n keys "<prefix><i>" whose bucket is that of the first,
// so a test can put a duplicate and other keys in one bucket on purpose.
func sameBucket(t *testing.T, db *sql.DB, prefix, window string, n int) []string {
	t.Helper()
	h := fmt.Sprintf("hash(k) & %d", keyBuckets-1)
	if window != "" {
		h = fmt.Sprintf("hash(TIMESTAMP '%s', k) & %d", window, keyBuckets-1)
	}
	q := fmt.Sprintf(`WITH c AS (SELECT '%s' || i AS k, %s AS b, i FROM range(200000) t(i))
		SELECT k FROM c WHERE b = (SELECT b FROM c WHERE i = 0) ORDER BY i LIMIT %d`, prefix, h, n)
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ks []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	if len(ks) != n {
		t.Fatalf("found %d keys of one bucket, want %d", len(ks), n)
	}
	return ks
}

// checkForms runs the key diff of the sides sk and rk select in both forms
// and holds each to want (diffRows lines, in any order).
func checkForms(t *testing.T, db *sql.DB, sk, rk string, byWindow bool, want []string) {
	t.Helper()
	slices.Sort(want)
	for _, f := range []diffForm{leanDiff, bucketDiff} {
		got := diffRows(t, db, "WITH sk AS ("+sk+"), "+f.rk()+" ("+rk+")"+f.sql(byWindow, textKeys), byWindow)
		if !slices.Equal(got, want) {
			t.Errorf("%s form: %d rows, want %d; first differences: %q", f, len(got), len(want), firstDiffs(got, want, 5))
		}
	}
}

// TestKeyDiff_Duplicates holds both forms of the diff to hand-made sides
// that try the bucketed form's duplicate search (it groups only the
// received rows of buckets with more pairs than source rows): a key received
// three times; a key the source lacks received twice in that same bucket
// (found by the bucket and among the extra pairs: listed once); one
// received twice in a bucket of its own; a key the source holds twice and
// received once (no duplicate, though the bucket has two pairs), and one it
// holds twice received twice; an extra key received once beside them.
func TestKeyDiff_Duplicates(t *testing.T) {
	db := mustOpenWarehouse(t)
	b := sameBucket(t, db, "b", "", 4) // b[0] triple, b[1] extra twice, b[2] extra once, b[3] source twice
	mustExec(t, db,
		`CREATE TABLE s (k VARCHAR, v UBIGINT, u TIMESTAMP)`,
		`CREATE TABLE r (k VARCHAR, v UBIGINT, f TIMESTAMP)`,
		fmt.Sprintf(`INSERT INTO s VALUES ('%s', 1, NULL), ('%s', 1, NULL), ('%s', 1, NULL), ('a', 1, NULL), ('dd', 1, NULL), ('dd', 1, NULL), ('m', 1, NULL)`, b[0], b[3], b[3]),
		fmt.Sprintf(`INSERT INTO r VALUES ('%s', 1, NULL), ('%s', 1, NULL), ('%s', 1, NULL), ('%s', 1, NULL), ('%s', 1, NULL), ('%s', 1, NULL),
			('%s', 1, NULL), ('a', 2, NULL), ('dd', 1, NULL), ('dd', 1, NULL), ('x', 1, NULL), ('x', 1, NULL)`, b[0], b[0], b[0], b[1], b[1], b[2], b[3]))
	checkForms(t, db, "SELECT * FROM s", "SELECT * FROM r", false, []string{
		" duplicate " + b[0] + " 3",
		" duplicate " + b[1] + " 2",
		" duplicate dd 2",
		" duplicate x 2",
		" extra " + b[1] + " 1",
		" extra " + b[2] + " 1",
		" extra x 1",
		" mismatch a 1",
		" missing m 1",
		" n_changed  0",
		" n_expected  7",
		" n_received  12",
	})
}

// TestKeyDiff_DuplicatesByWindow: a key received once in each of two
// windows is no duplicate; received twice in one, it is one there only.
// The bucket of a row is its window's and key's together.
func TestKeyDiff_DuplicatesByWindow(t *testing.T) {
	db := mustOpenWarehouse(t)
	b := sameBucket(t, db, "b", "2026-11-20 10:00:00", 2)
	mustExec(t, db,
		`CREATE TABLE s (w TIMESTAMP, k VARCHAR, v UBIGINT, u TIMESTAMP)`,
		`CREATE TABLE r (w TIMESTAMP, k VARCHAR, v UBIGINT, f TIMESTAMP)`,
		fmt.Sprintf(`INSERT INTO s VALUES ('2026-11-20 10:00', 'k', 1, NULL), ('2026-11-20 11:00', 'k', 1, NULL), ('2026-11-20 10:00', '%s', 1, NULL)`, b[0]),
		fmt.Sprintf(`INSERT INTO r VALUES ('2026-11-20 10:00', 'k', 1, NULL), ('2026-11-20 11:00', 'k', 1, NULL), ('2026-11-20 11:00', 'k', 1, NULL),
			('2026-11-20 10:00', '%s', 1, NULL), ('2026-11-20 10:00', '%s', 1, NULL), ('2026-11-20 10:00', '%s', 1, NULL), ('2026-11-20 11:00', '%s', 1, NULL)`, b[0], b[0], b[1], b[1]))
	checkForms(t, db, "SELECT * FROM s", "SELECT * FROM r", true, []string{
		"10:00 duplicate " + b[0] + " 2",
		"10:00 extra " + b[1] + " 1",
		"10:00 n_expected  2",
		"10:00 n_received  4",
		"11:00 duplicate k 2",
		"11:00 extra " + b[1] + " 1",
		"11:00 n_expected  1",
		"11:00 n_received  3",
	})
}

// TestKeyDiff_RandomAgainstGrouping draws source and received sides with
// keys held 0 to 3 times on each (in one window or three; values equal:
// mismatches are the hand-made tests') and holds both forms of the diff's
// missing, extra and duplicate keys and counts to what counting every key
// says. Few keys and many: most buckets are flagged in the one, few in the
// other.
func TestKeyDiff_RandomAgainstGrouping(t *testing.T) {
	for _, n := range []int{300, 40000} {
		for _, byWindow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d keys, by window %v", n, byWindow), func(t *testing.T) {
				db := mustOpenWarehouse(t)
				rnd := rand.New(rand.NewPCG(uint64(n), 7))
				windows := []string{"2026-11-20 10:00:00"}
				if byWindow {
					windows = append(windows, "2026-11-20 10:30:00", "2026-11-20 11:00:00")
				}
				// label is a window as diffRows writes it
				label := func(w string) string {
					if !byWindow {
						return ""
					}
					return w[11:16]
				}
				mult := func() int { return []int{0, 1, 1, 1, 1, 1, 2, 3}[rnd.IntN(8)] }
				var src, rcv, want []string
				totals := map[string][2]int{} // by window: source rows, received rows
				for i := range n {
					w, k := windows[rnd.IntN(len(windows))], fmt.Sprint("k", i)
					ns, nr := mult(), mult()
					for range ns {
						src = append(src, fmt.Sprintf("('%s', '%s', %d)", w, k, i%5))
					}
					for range nr {
						rcv = append(rcv, fmt.Sprintf("('%s', '%s', %d)", w, k, i%5))
					}
					switch {
					case ns > 0 && nr == 0:
						want = append(want, label(w)+" missing "+k+" 1")
					case ns == 0 && nr > 0:
						want = append(want, label(w)+" extra "+k+" 1")
					}
					if nr > 1 {
						want = append(want, fmt.Sprintf("%s duplicate %s %d", label(w), k, nr))
					}
					c := totals[label(w)]
					totals[label(w)] = [2]int{c[0] + ns, c[1] + nr}
				}
				for w, c := range totals {
					// by window, a window without rows on a side has no count
					if c[0] > 0 || !byWindow {
						want = append(want, fmt.Sprintf("%s n_expected  %d", w, c[0]))
					}
					if c[1] > 0 || !byWindow {
						want = append(want, fmt.Sprintf("%s n_received  %d", w, c[1]))
					}
				}
				if !byWindow {
					want = append(want, " n_changed  0")
				}
				mustExec(t, db, `CREATE TABLE s (w TIMESTAMP, k VARCHAR, v UBIGINT)`, `CREATE TABLE r (w TIMESTAMP, k VARCHAR, v UBIGINT)`,
					"INSERT INTO s VALUES "+strings.Join(src, ","), "INSERT INTO r VALUES "+strings.Join(rcv, ","))
				cols := "k, v"
				if byWindow {
					cols = "w, k, v"
				}
				checkForms(t, db, "SELECT "+cols+", NULL::TIMESTAMP AS u FROM s", "SELECT "+cols+", NULL::TIMESTAMP AS f FROM r", byWindow, want)
			})
		}
	}
}

// firstDiffs lists up to n lines in one sorted list and not the other.
func firstDiffs(a, b []string, n int) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok && len(out) < n {
			out = append(out, "+"+x)
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok && len(out) < 2*n {
			out = append(out, "-"+x)
		}
	}
	return out
}
