# Sourced by scripts/bench.sh (shares its variables and functions):
# sim-load, go, daily-100k, ops-year.
#
# sim-load: one simulated day at the default volume (about 11,300 cases)
# into MariaDB, against the baseline of MariaDB's own client reloading the
# same rows from a dump of what the simulator wrote (how fast the server
# ingests that data at all). Target: the day loads in under 60 s.
#
# daily-100k: a daily workbook with 100,000 key rows (and 8,064 window
# rows) written in a child process, against the baseline of a minimal
# excelize stream of the same cells (no styles, widths, formulas or page
# set-up) in a child process of its own. Targets: under 5 s, peak RSS
# under 300 MB.

if want sim-load; then
echo "== sim-load: one simulated day at default volume into MariaDB"
t0=$(date +%s.%N)
$BIN sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix benchsim_ --seed 7 --start 2026-11-20 --days 1 --faults 0 >"$work/sim.out"
t1=$(date +%s.%N)
sim_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
cat "$work/sim.out"

# Baseline: the same databases dumped and reloaded by MariaDB's own tools
# (only the simulator's: the snapshot benchmarks' tables may be kept).
dbs=$("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchsim\\_%'")
mariadb-dump --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u pushaudit -ppushaudit --default-character-set=utf8mb4 \
	--skip-triggers --no-create-db --databases $dbs 2>/dev/null | sed 's/`benchsim_/`benchcopy_/g' >"$work/dump.sql"
for d in $dbs; do "${client[@]}" -e "DROP DATABASE IF EXISTS \`${d/benchsim_/benchcopy_}\`; CREATE DATABASE \`${d/benchsim_/benchcopy_}\`"; done
t0=$(date +%s.%N)
"${client[@]}" <"$work/dump.sql"
t1=$(date +%s.%N)
base_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
for d in $dbs; do "${client[@]}" -e "DROP DATABASE IF EXISTS \`${d/benchsim_/benchcopy_}\`"; done

awk -v s="$sim_s" -v b="$base_s" 'BEGIN{printf "sim-load: simulator %.1f s; baseline (mariadb client reloading its dump) %.1f s; ratio %.2f; target < 60 s: %s\n", s, b, s/b, (s < 60 ? "met" : "MISSED")}'
fi

if want go; then
echo
echo "== Go benchmarks (snapshot throughput, daily workbook, binary rows into Arrow)"
{
	go test -tags=duckdb_arrow -run '^$' -bench . -benchtime 1x ./internal/snapshot ./reports
	go test -tags=duckdb_arrow -run '^$' -bench AddWire -benchtime 1000000x ./internal/mysqlarrow
} 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
fi

if want daily-100k; then
echo
echo "== daily-100k: the daily workbook with 100,000 key rows"
PUSHAUDIT_BENCH=1 go test -count=1 -run '^TestBench_Daily100k$' -v ./reports 2>&1 | grep -E '^(daily-100k|--- FAIL|FAIL|ok|    )'
fi

# ops-year (issue 11): the operations report of a year (365 days, the 55
# resources judged every 10 minutes: 2.9 M results, 1,000 findings) in a
# child process, against the daily workbook of one day of the same
# warehouse. Targets: under 5 s and 300 MB.
if want ops-year; then
echo
echo "== ops-year: the operations report of a year"
PUSHAUDIT_BENCH=1 go test -tags=duckdb_arrow -count=1 -timeout 30m -run '^TestBench_OpsYear$' -v ./reports 2>&1 | grep -E '^(ops-year|--- FAIL|FAIL|ok)'
fi
