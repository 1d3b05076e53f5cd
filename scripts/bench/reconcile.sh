# Sourced by scripts/bench.sh (shares its variables and functions):
# keydiff-1m and reconcile-year.

# keydiff-1m (issues 4 and 13): the key diff of one window with 1,000,000
# keys, values and change times included, against a hash join of the same
# key sets, interleaved, medians of 9. Targets: under 1 s, at most 2x.
# Then, without a target, the whole query reconcile builds for a rows
# resource (an integer key, values hashed from typed columns) on the same
# keys.
if want keydiff-1m; then
echo
echo "== keydiff-1m: one window's key diff over 1,000,000 keys, values compared"
go test -tags=duckdb_arrow -run '^$' -bench KeyDiff_1M -benchtime 9x ./internal/reconcile | grep -oE 'keydiff-1M(-built)?:.*' | tail -2
fi

# reconcile-year (issues 4 and 13): one day across all 55 resources on a
# warehouse holding a year (about 4 M cases, 30 M workflow rows), grown
# inside DuckDB from two simulated days; baseline: the same day on a copy
# of the two-day warehouse, the two reconciled in turn, medians of 5
# (PUSHAUDIT_BENCH_ROUNDS). Targets: under 10 s (issue 4); under 3 s and at
# most 1.3x the baseline (issue 13). PUSHAUDIT_BENCH_DAYS overrides the 365
# days.
if want reconcile-year; then
echo
echo "== reconcile-year: one day of 55 resources on ${PUSHAUDIT_BENCH_DAYS:-365} days of data"
go test -tags=duckdb_arrow -run '^$' -bench Reconcile_Year -benchtime 1x -timeout 60m ./cmd/pushaudit 2>&1 | grep -E '^(reconcile-year|--- FAIL|\s+bench_year)' || true
fi
