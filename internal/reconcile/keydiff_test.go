package reconcile

import (
	"database/sql"
	"fmt"
	"maps"
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
		rows.Scan(&k)
		ks = append(ks, k)
	}
	if len(ks) != n {
		t.Fatalf("found %d keys of one bucket, want %d", len(ks), n)
	}
	return ks
}

// TestKeyDiff_Duplicates holds both forms of the diff, and the bucketed
// form's duplicate search that groups only the
// received rows of buckets with more pairs than source rows: a key received
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
	for _, f := range []diffForm{leanDiff, bucketDiff} {
		got := diffRows(t, db, "WITH sk AS (SELECT * FROM s), "+f.rk()+" (SELECT * FROM r)"+f.sql(false), false)
		want := []string{
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
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("key diff, %s:\n got %q\nwant %q", f, got, want)
		}
	}
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
	for _, f := range []diffForm{leanDiff, bucketDiff} {
		got := diffRows(t, db, "WITH sk AS (SELECT * FROM s), "+f.rk()+" (SELECT * FROM r)"+f.sql(true), true)
		want := []string{
			"10:00 duplicate " + b[0] + " 2",
			"10:00 extra " + b[1] + " 1",
			"10:00 n_expected  2",
			"10:00 n_received  4",
			"11:00 duplicate k 2",
			"11:00 extra " + b[1] + " 1",
			"11:00 n_expected  1",
			"11:00 n_received  3",
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("key diff by window, %s:\n got %q\nwant %q", f, got, want)
		}
	}
}

// TestKeyDiff_RandomAgainstGrouping, for both forms of the diff, draws source and received sides with
// keys held 0 to 3 times on each (in three windows, values now equal, now
// not) and holds the diff's duplicates, missing and extra keys and counts
// to what a grouping of every key says. Few buckets' worth of keys and many
// keys: most buckets are flagged in the one, few in the other.
func TestKeyDiff_RandomAgainstGrouping(t *testing.T) {
	for _, n := range []int{300, 40000} {
		for _, byWindow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d keys, by window %v", n, byWindow), func(t *testing.T) {
				db := mustOpenWarehouse(t)
				rnd := rand.New(rand.NewPCG(uint64(n), 7))
				var src, rcv []string
				type wk struct{ w, k string }
				ns, nr := map[wk]int{}, map[wk]int{}
				windows := []string{"2026-11-20 10:00:00"}
				if byWindow {
					windows = append(windows, "2026-11-20 10:30:00", "2026-11-20 11:00:00")
				}
				mult := func() int { return []int{0, 1, 1, 1, 1, 1, 2, 3}[rnd.IntN(8)] }
				for i := range n {
					w := windows[rnd.IntN(len(windows))]
					k := fmt.Sprint("k", i)
					for range mult() {
						src = append(src, fmt.Sprintf("('%s', '%s', %d)", w, k, i%5))
						ns[wk{w, k}]++
					}
					for range mult() {
						rcv = append(rcv, fmt.Sprintf("('%s', '%s', %d)", w, k, i%5))
						nr[wk{w, k}]++
					}
				}
				mustExec(t, db, `CREATE TABLE s (w TIMESTAMP, k VARCHAR, v UBIGINT)`, `CREATE TABLE r (w TIMESTAMP, k VARCHAR, v UBIGINT)`,
					"INSERT INTO s VALUES "+strings.Join(src, ","), "INSERT INTO r VALUES "+strings.Join(rcv, ","))
				cols := "k, v"
				if byWindow {
					cols = "w, k, v"
				}
				got := map[diffForm][]string{}
				for _, f := range []diffForm{leanDiff, bucketDiff} {
					q := "WITH sk AS (SELECT " + cols + ", NULL::TIMESTAMP AS u FROM s), " + f.rk() + " (SELECT " + cols + ", NULL::TIMESTAMP AS f FROM r)" + f.sql(byWindow)
					got[f] = diffRows(t, db, q, byWindow)
				}
				var want []string
				wl := func(w string) string {
					if !byWindow {
						return ""
					}
					return w[11:16]
				}
				totals := map[string][2]int{}
				for _, key := range slices.Collect(maps.Keys(mergeKeys(ns, nr))) {
					a, b := ns[key], nr[key]
					switch {
					case a > 0 && b == 0:
						want = append(want, wl(key.w)+" missing "+key.k+" 1")
					case a == 0 && b > 0:
						want = append(want, wl(key.w)+" extra "+key.k+" 1")
					}
					if b > 1 {
						want = append(want, fmt.Sprintf("%s duplicate %s %d", wl(key.w), key.k, b))
					}
					c := totals[wl(key.w)]
					totals[wl(key.w)] = [2]int{c[0] + a, c[1] + b}
				}
				for w, c := range totals {
					if c[0] > 0 || !byWindow {
						want = append(want, fmt.Sprintf("%s n_expected  %d", w, c[0]))
					}
					if c[1] > 0 || !byWindow {
						want = append(want, fmt.Sprintf("%s n_received  %d", w, c[1]))
					}
					if !byWindow {
						want = append(want, " n_changed  0")
					}
				}
				slices.Sort(want)
				for f, got := range got {
					if !slices.Equal(got, want) {
						t.Errorf("%s: %d rows from the diff, %d from the grouping; first differences: %q", f, len(got), len(want), firstDiffs(got, want, 5))
					}
				}
			})
		}
	}
}

func mergeKeys[K comparable](a, b map[K]int) map[K]int {
	m := maps.Clone(a)
	for k, v := range b {
		m[k] += v
	}
	return m
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
