package reconcile

import (
	"fmt"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// diffForm is how a key diff is written. Each continues a WITH list that
// defines sk (source: key k, value hash v, when the source row last
// changed u) and rk (received: k, v, and when the row was pushed f), and
// lists the missing, extra, duplicate and mismatched keys with their
// occurrences, how many keys the source changed after their push (such a
// pair's values are not compared: no mismatch), and the row counts
// n_expected and n_received. One full join of the two sides keeps the
// pairs that say something (a side missing, values differing, a change
// since the push). The forms differ only in how they find the keys
// received more than once, and so in speed, never in their answer.
type diffForm bool

const (
	// leanDiff groups every received key to find those received twice:
	// the fewest operators, for the windows of a usual day (a few
	// milliseconds a query, most of it fixed).
	leanDiff diffForm = false
	// bucketDiff groups only the received rows of the buckets of keys
	// that can hold a duplicate, for big windows, where grouping every
	// received key costs most of what the join does.
	bucketDiff diffForm = true
)

// bucketDiffFrom is the size, in rows the pushes claim, from which the
// bucketed form is used: its fixed cost (about 1.5 ms more a query, with
// four more operators) is repaid from about 50,000 rows (about 40 ns a
// row less). A claim can be wrong (that is what is audited): then only
// the speed suffers.
const bucketDiffFrom = 50_000

// diffFormFor is the form of a key diff whose pushes claim claimed rows.
func (o Options) diffFormFor(claimed int64) diffForm {
	from := int64(bucketDiffFrom)
	if o.BucketedDiffFrom > 0 {
		from = o.BucketedDiffFrom
	}
	if claimed >= from {
		return bucketDiff
	}
	return leanDiff
}

// rk opens the received side's CTE. The bucketed form does not
// materialise it: besides the join, its duplicate search reads only keys
// and the count no column, so running the received side's scan again
// costs less than writing every row's value hash once more. The lean form
// leaves it to DuckDB (small sides, read three times).
func (f diffForm) rk() string {
	if f == bucketDiff {
		return "rk AS NOT MATERIALIZED"
	}
	return "rk AS"
}

// keyBuckets is how many buckets of keys the bucketed duplicate search
// counts in (a power of two: a bucket is the hash masked).
const keyBuckets = 8192

// sql is the rest of the query after the WITH list's sk and rk; byWindow
// adds the window w of every row (sk and rk carry it) as the first column
// of each output row; kt gives each output key as text.
//
// The bucketed form finds the keys received more than once without
// grouping every received key: the join also counts, per bucket of keys
// (of window and key, byWindow), the pairs that have a source row, and the
// source counts its rows per bucket. A bucket holds a source key received
// more than once exactly when it has more pairs than source rows, and only
// the received rows of those buckets are grouped. A key received more
// than once that the source lacks is among the extra pairs the join keeps.
func (f diffForm) sql(byWindow bool, kt keyText) string {
	// w lists the window first; on joins within a window; pw is a pair's
	// window; hk hashes a row's window and key into its bucket (the window
	// cast to one type: sk and rk may carry it as different ones).
	w, on, pw, group := "", "", "", ""
	hk := func(w, k string) string { return fmt.Sprintf("hash(%s) & %d", k, keyBuckets-1) }
	if byWindow {
		w, on, pw, group = "w, ", "s.w = r.w AND ", "coalesce(s.w, r.w) AS w, ", " GROUP BY w"
		hk = func(w, k string) string {
			return fmt.Sprintf("hash(CAST(%s AS TIMESTAMP), %s) & %d", w, k, keyBuckets-1)
		}
	}
	const interesting = `s.k IS NULL OR r.k IS NULL OR s.v <> r.v OR s.u > r.f`
	var pairs, duplicates, expected string
	if f == leanDiff {
		pairs = `
__j AS MATERIALIZED (SELECT ` + pw + `s.k AS sk_, r.k AS rk_, s.v <> r.v AS differ, coalesce(s.u > r.f, false) AS changed
  FROM sk s FULL JOIN rk r ON ` + on + `s.k = r.k WHERE ` + interesting + `)`
		duplicates = `SELECT ` + w + `'duplicate', ` + kt("k") + `, count(*) FROM rk GROUP BY ` + w + `k HAVING count(*) > 1`
		expected = `count(*) FROM sk`
	} else {
		// the source's bucket is hashed once, for the join and its count.
		pairs = `
__s AS (SELECT *, ` + hk("w", "k") + ` AS b FROM sk),
__a AS MATERIALIZED (SELECT ` + pw + `coalesce(s.b, ` + hk("r.w", "r.k") + `) AS b, count(s.k) AS js,
    list({s: s.k, r: r.k, d: s.v <> r.v, c: coalesce(s.u > r.f, false)}) FILTER (` + interesting + `) AS x
  FROM __s s FULL JOIN rk r ON ` + on + `s.k = r.k GROUP BY ALL),
__n AS MATERIALIZED (SELECT ` + w + `b, count(*) AS n FROM __s GROUP BY ALL),
__j AS MATERIALIZED (SELECT ` + w + `x.s AS sk_, x.r AS rk_, x.d AS differ, x.c AS changed FROM (SELECT ` + w + `unnest(x) AS x FROM __a)),
__f AS (SELECT bitstring_agg(b, 0, ` + fmt.Sprint(keyBuckets-1) + `) AS bits
  FROM (SELECT b, sum(js) AS js FROM __a GROUP BY b) JOIN (SELECT b, sum(n) AS n FROM __n GROUP BY b) USING (b) WHERE js > n)`
		duplicates = `SELECT ` + w + `'duplicate', ` + kt("k") + `, max(c) FROM (
    SELECT ` + w + `k, count(*) AS c FROM rk WHERE get_bit((SELECT bits FROM __f), CAST(` + hk("w", "k") + ` AS INTEGER)) = 1 GROUP BY ALL
    UNION ALL SELECT ` + w + `rk_, count(*) FROM __j WHERE sk_ IS NULL GROUP BY ALL) GROUP BY ALL HAVING max(c) > 1`
		expected = `coalesce(sum(n), 0) FROM __n`
	}
	return `,` + pairs + `
SELECT DISTINCT ` + w + `'missing', ` + kt("sk_") + `, 1 FROM __j WHERE rk_ IS NULL
UNION ALL SELECT DISTINCT ` + w + `'extra', ` + kt("rk_") + `, 1 FROM __j WHERE sk_ IS NULL
UNION ALL ` + duplicates + `
UNION ALL SELECT DISTINCT ` + w + `'mismatch', ` + kt("sk_") + `, 1 FROM __j WHERE differ AND NOT changed
UNION ALL SELECT ` + w + `'n_changed', '', count(DISTINCT sk_) FROM __j WHERE changed` + group + `
UNION ALL SELECT ` + w + `'n_expected', '', ` + expected + group + `
UNION ALL SELECT ` + w + `'n_received', '', count(*) FROM rk` + group
}

// keyText is how a key diff writes the key column col of its output as
// text: textKeys when sk and rk carry keys as text (keyExpr), intKeys
// when they carry a single integer key as an integer (diffKey).
type keyText func(col string) string

// diffKey is how a key diff carries a resource's key in sk and rk. A
// single integer key is joined as an integer, NULL as nullIntKey: a hash
// join of integers costs a fraction of one of their text, and the diff of
// keydiff-1M-built took 0.24–0.26 s against 0.31–0.32 s as text; any other
// key is keyExpr's text. Either way the diff writes keys back as keyExpr's
// text (text), so findings, explain and repair see the same keys.
type diffKey struct {
	res *pipelines.Resource
	// intType is the integer type a single integer key is joined as
	// (BIGINT or UBIGINT, widened); "" for keyExpr's text.
	intType string
}

func diffKeyOf(res *pipelines.Resource) diffKey {
	if cols := keyColumns(res); len(cols) == 1 {
		if t := duckType(cols[0].Type); t == "BIGINT" || t == "UBIGINT" {
			return diffKey{res: res, intType: t}
		}
	}
	return diffKey{res: res}
}

// of is the key of a row of alias.
func (d diffKey) of(alias string) string {
	if d.intType == "" {
		return keyExpr(alias, d.res)
	}
	// the comment says what the number is to a reader of explain's SQL
	return fmt.Sprintf("coalesce(CAST(CAST(%s.%s AS %s) AS HUGEINT), %s /* a NULL key: 2^64, which no key takes */)", alias, d.res.KeyColumns[0], d.intType, nullIntKey)
}

// text is how the diff writes its keys back as keyExpr's text.
func (d diffKey) text() keyText {
	if d.intType == "" {
		return textKeys
	}
	return intKeys
}

// cte is the WITH list of a key diff (form.sql continues it): the source
// query src and its keys, value hashes and change times as sk; the
// received rows rcv and theirs, with when each was pushed, as rk. By
// window, src and rcv carry each row's window as __w, sk and rk as w.
func (d diffKey) cte(form diffForm, src, rcv string, byWindow bool) string {
	ws, wr := "", ""
	if byWindow {
		ws, wr = "s.__w AS w, ", "r.__w AS w, "
	}
	res := d.res
	return fmt.Sprintf(`WITH src AS (%s),
sk AS (SELECT %s%s AS k, %s AS v, %s AS u FROM src s),
rcv AS (%s),
`+form.rk()+` (SELECT %s%s AS k, %s AS v, r.%s AS f FROM rcv r)`,
		src, ws, d.of("s"), valueExpr("s", res), changedExpr("s", res),
		rcv, wr, d.of("r"), valueExpr("r", res), pushedColumn)
}

// query is the whole key diff of src and rcv (cte).
func (d diffKey) query(form diffForm, src, rcv string, byWindow bool) string {
	return d.cte(form, src, rcv, byWindow) + form.sql(byWindow, d.text())
}

func textKeys(col string) string { return col }

// nullIntKey stands for a NULL integer key in a diff (the text form's
// '␀'): 2^64, which no BIGINT or UBIGINT takes, so the keys are HUGEINT.
const nullIntKey = "18446744073709551616"

func intKeys(col string) string {
	return "CASE WHEN " + col + " = " + nullIntKey + " THEN '␀' ELSE CAST(" + col + " AS VARCHAR) END"
}

func (f diffForm) String() string {
	if f == bucketDiff {
		return "bucketed"
	}
	return "lean"
}
