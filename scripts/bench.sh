#!/usr/bin/env bash
# scripts/bench.sh — the benchmarks of `make bench`. Each prints its figure
# as a ratio against a baseline measured in the same run.
#
# sim-load: one simulated day at the default volume (about 11,300 cases)
# into MariaDB, against the baseline of MariaDB's own client reloading the
# same rows from a dump of what the simulator wrote (how fast the server
# ingests that data at all). Target: the day loads in under 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PUSHAUDIT_MYSQL_DSN:?run via make bench}"
BIN=bin/pushaudit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mariadb_port=${PUSHAUDIT_MARIADB_PORT:-33306}
client=(mariadb --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u pushaudit -ppushaudit --default-character-set=utf8mb4)

echo "== sim-load: one simulated day at default volume into MariaDB"
t0=$(date +%s.%N)
$BIN sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix bench_ --seed 7 --start 2026-11-20 --days 1 --faults 0 >"$work/sim.out"
t1=$(date +%s.%N)
sim_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
cat "$work/sim.out"

# Baseline: the same databases dumped and reloaded by MariaDB's own tools.
dbs=$("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'bench\\_%'")
mariadb-dump --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u pushaudit -ppushaudit --default-character-set=utf8mb4 \
	--skip-triggers --no-create-db --databases $dbs 2>/dev/null | sed 's/`bench_/`benchcopy_/g' >"$work/dump.sql"
for d in $dbs; do "${client[@]}" -e "DROP DATABASE IF EXISTS \`${d/bench_/benchcopy_}\`; CREATE DATABASE \`${d/bench_/benchcopy_}\`"; done
t0=$(date +%s.%N)
"${client[@]}" <"$work/dump.sql"
t1=$(date +%s.%N)
base_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
for d in $dbs; do "${client[@]}" -e "DROP DATABASE IF EXISTS \`${d/bench_/benchcopy_}\`"; done

awk -v s="$sim_s" -v b="$base_s" 'BEGIN{printf "sim-load: simulator %.1f s; baseline (mariadb client reloading its dump) %.1f s; ratio %.2f; target < 60 s: %s\n", s, b, s/b, (s < 60 ? "met" : "MISSED")}'

echo
echo "== Go benchmarks (snapshot throughput, daily workbook)"
go test -run '^$' -bench . -benchtime 1x ./internal/snapshot ./reports 2>&1 | grep -E '^(Benchmark|ok|FAIL)'
