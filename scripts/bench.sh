#!/usr/bin/env bash
# scripts/bench.sh — the benchmarks of `make bench`. Each prints its figure
# as a ratio against a baseline measured in the same run.
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
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PUSHAUDIT_MYSQL_DSN:?run via make bench}"
# GNU time measures peak RSS; Debian's package "time", installed when missing.
if [ ! -x /usr/bin/time ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
fi
BIN=bin/pushaudit
work=$(mktemp -d)
# BENCH_KEEP=1 keeps the work directory (warehouses, logs) for a look after.
trap '[ "${BENCH_KEEP:-}" = 1 ] && echo "kept $work" || rm -rf "$work"' EXIT
mariadb_port=${PUSHAUDIT_MARIADB_PORT:-33306}
client=(mariadb --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u pushaudit -ppushaudit --default-character-set=utf8mb4)
# BENCH_ONLY=a,b runs only those: sim-load, go, daily-100k, ops-year, snapshot-1m,
# snapshot-tls, snapshot-geo, snapshot-narrow, snapshot-incremental, keydiff-1m, snapshot-site,
# reconcile-year, serve-day, serve-latency, snapshot-due.
want() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }

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

# Shared by the full-snapshot benchmarks and snapshot-incremental.
SNAP_RUNS=${SNAP_RUNS:-5}
bench_db=bench_snapshot
snap_rows=${SNAP_ROWS:-1000000}
cases_ddl="CREATE TABLE cases (
  id BIGINT NOT NULL, case_no VARCHAR(32) NOT NULL, task_no VARCHAR(32) NOT NULL,
  source_id TINYINT NOT NULL, kind TINYINT NOT NULL, type_id BIGINT NOT NULL, main_id BIGINT NOT NULL,
  sub_id BIGINT NOT NULL, detail_id BIGINT NULL, district_id BIGINT NOT NULL, street_id BIGINT NOT NULL,
  community_id BIGINT NOT NULL, x DECIMAL(12,3) NOT NULL, y DECIMAL(12,3) NOT NULL,
  address VARCHAR(255) NOT NULL, description VARCHAR(512) NOT NULL, stage_id TINYINT NOT NULL,
  report_time DATETIME NOT NULL, close_time DATETIME NULL, updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id), KEY idx_cases_updated (updated_at))"
# cases_fill DB N: N rows of case shape, ids 1..N, updated_at spread over ~N*29 s from 2026-01-01.
cases_fill() {
	"${client[@]}" "$1" -e "INSERT INTO cases SELECT seq, CONCAT('510104', LPAD(seq, 10, '0')), CONCAT('T', LPAD(seq, 12, '0')),
  1 + seq % 9, 1 + seq % 2, 100 + seq % 97, 10 + seq % 13, 1000 + seq % 211, IF(seq % 5 = 0, NULL, 5000 + seq % 1009),
  510104 + seq % 12, 5101040000 + seq % 300, 510104000000 + seq % 3000,
  500000 + (seq % 99991) / 7, 3300000 + (seq % 77777) / 3,
  CONCAT('成都市锦江区东大街', seq % 500, '号附近 路口东侧'), CONCAT('道路破损，井盖缺失，第', seq, '号案件，群众反映路灯不亮，请尽快处置'),
  1 + seq % 11, '2024-06-01 00:00:00' + INTERVAL seq * 7 SECOND,
  IF(seq % 3 = 0, NULL, '2024-06-01 06:00:00' + INTERVAL seq * 7 SECOND),
  '2024-06-01 06:00:00.123' + INTERVAL seq * 7 SECOND
FROM seq_1_to_$2"
}
snap_dsn="${PUSHAUDIT_MYSQL_DSN%/*}/$bench_db"
# A private binary: bin/ may be rebuilt while the benchmark runs.
snap_bin="$work/pushaudit"
go build -tags=duckdb_arrow -o "$snap_bin" ./cmd/pushaudit

# Full-snapshot benchmarks, one per column mix: a 1,000,000-row table
# generated in MariaDB from its sequence engine, snapshotted in full (a
# fresh warehouse each time, process start and the final checkpoint
# included) against MariaDB's own client streaming the same SELECT * to
# /dev/null, interleaved, medians of $SNAP_RUNS runs. Targets: ratio
# <= 0.8; peak RSS < 512 MB. SNAP_KEEP=1 keeps the generated tables for the
# next run (and reuses them).
#   snapshot-1m (issue 3): the simulator's biz.cases shape (20 columns:
#     BIGINT ids, DECIMAL(12,3) coordinates, VARCHAR with CJK, DATETIMEs).
#   snapshot-geo (issue 9): a facility register (24 columns): DOUBLE
#     coordinates, 32-bit INTs, DECIMAL(12,2) money, nullable DATETIMEs,
#     CJK text.
#   snapshot-narrow (issue 9): 64 small columns (TINYINT, SMALLINT, INT,
#     DATE, CHAR(2), many of them NULL in half the rows or more): per-column
#     and per-value overhead rather than bytes.
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# snap_bench NAME DB TABLE DDL FILL: (re)builds DB.TABLE with DDL and the
# function FILL (called as FILL DB ROWS), then times and prints NAME.
snap_bench() {
	local name=$1 db=$2 tbl=$3 ddl=$4 fill=$5 have t0 t1 e m c_med s_med rss_max
	have=$("${client[@]}" -N -B -e "SELECT COUNT(*) FROM $db.$tbl" 2>/dev/null || echo 0)
	if [ "${SNAP_KEEP:-}" != 1 ] || [ "$have" != "$snap_rows" ]; then
		"${client[@]}" -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4"
		"${client[@]}" "$db" -e "$ddl"
		t0=$(date +%s.%N)
		"$fill" "$db" "$snap_rows"
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" -v n="$snap_rows" 'BEGIN{printf "generated %d rows in MariaDB in %.1f s\n", n, b-a}'
	fi
	local dsn="${PUSHAUDIT_MYSQL_DSN%/*}/$db"
	: >"$work/client.t"; : >"$work/snap.t"; : >"$work/snap.rss"
	for i in $(seq "$SNAP_RUNS"); do
		/usr/bin/time -f "%e" -o "$work/t" "${client[@]}" --quick -B -N -e "SELECT * FROM $db.$tbl" >/dev/null
		cat "$work/t" >>"$work/client.t"
		rm -f "$work/snap.duckdb" "$work/snap.duckdb.wal"
		/usr/bin/time -f "%e %M" -o "$work/t" "$snap_bin" --log-level warn snapshot --source "bench=$dsn" --table "$tbl" \
			--warehouse "$work/snap.duckdb" --allow-primary >"$work/snap.out"
		read -r e m <"$work/t"
		echo "$e" >>"$work/snap.t"
		echo "$m" >>"$work/snap.rss"
		printf '  run %d: client %.2f s, snapshot %.2f s, peak RSS %d MB\n' "$i" "$(tail -1 "$work/client.t")" "$e" "$((m / 1024))"
	done
	c_med=$(median <"$work/client.t")
	s_med=$(median <"$work/snap.t")
	rss_max=$(sort -n "$work/snap.rss" | tail -1)
	awk -v n="$name" -v c="$c_med" -v s="$s_med" -v r="$rss_max" 'BEGIN{
		printf "%s: snapshot %.2f s; mariadb client %.2f s; ratio %.2f; target <= 0.8: %s; peak RSS %d MB (target < 512: %s)\n",
			n, s, c, s/c, (s/c <= 0.8 ? "met" : "MISSED"), r/1024, (r/1024 < 512 ? "met" : "MISSED")}'
	[ "${SNAP_KEEP:-}" = 1 ] || "${client[@]}" -e "DROP DATABASE IF EXISTS $db"
}

if want snapshot-1m; then
echo
echo "== snapshot-1m: full snapshot of a 1,000,000-row case table vs mariadb --quick SELECT * > /dev/null"
snap_bench snapshot-1m "$bench_db" cases "$cases_ddl" cases_fill
fi

if want snapshot-tls; then
echo
echo "== snapshot-tls (issue 14): the 1,000,000-row case table snapshotted over TLS (server verified against the test CA) vs plain, interleaved"
have=$("${client[@]}" -N -B -e "SELECT COUNT(*) FROM $bench_db.cases" 2>/dev/null || echo 0)
if [ "$have" != "$snap_rows" ]; then
	"${client[@]}" -e "DROP DATABASE IF EXISTS $bench_db; CREATE DATABASE $bench_db CHARACTER SET utf8mb4"
	"${client[@]}" "$bench_db" -e "$cases_ddl"
	cases_fill "$bench_db" "$snap_rows"
fi
ca="${PUSHAUDIT_MYSQL_TLS_CA:?PUSHAUDIT_MYSQL_TLS_CA not set: run make bench}"
for mode in plain tls; do
	tlsline=""
	[ "$mode" = tls ] && tlsline=", tls: {ca_file: \"$ca\"}"
	cat >"$work/$mode.yaml" <<EOC
warehouse: $work/$mode.duckdb
snapshot: {allow_primary: true}
mysql: {addr: "127.0.0.1:$mariadb_port", user: pushaudit, password_env: BENCH_MYSQL_PW$tlsline}
sources: {bench: {database: $bench_db, tables: [cases]}}
EOC
	: >"$work/$mode.t"
done
for i in $(seq "$SNAP_RUNS"); do
	for mode in plain tls; do
		rm -f "$work/$mode.duckdb" "$work/$mode.duckdb.wal"
		BENCH_MYSQL_PW=pushaudit /usr/bin/time -f "%e" -o "$work/t" "$snap_bin" --log-level warn --config "$work/$mode.yaml" snapshot >/dev/null
		cat "$work/t" >>"$work/$mode.t"
	done
	printf '  run %d: plain %.2f s, TLS %.2f s\n' "$i" "$(tail -1 "$work/plain.t")" "$(tail -1 "$work/tls.t")"
done
awk -v p="$(median <"$work/plain.t")" -v t="$(median <"$work/tls.t")" 'BEGIN{
	printf "snapshot-tls: TLS %.2f s; plain %.2f s (baseline); ratio %.2f (TLS reads through the driver, plain off the socket)\n", t, p, t/p}'
[ "${SNAP_KEEP:-}" = 1 ] || "${client[@]}" -e "DROP DATABASE IF EXISTS $bench_db"
fi

if want snapshot-geo; then
echo
echo "== snapshot-geo: full snapshot of a 1,000,000-row, 24-column facility table (DOUBLE, INT, DECIMAL(12,2), nullable DATETIME, CJK text)"
geo_ddl="CREATE TABLE facilities (
  id BIGINT NOT NULL, lng DOUBLE NOT NULL, lat DOUBLE NOT NULL, x DOUBLE NOT NULL, y DOUBLE NOT NULL,
  elevation DOUBLE NULL, district_id INT NOT NULL, street_id INT NOT NULL, grid_id INT NOT NULL,
  dept_id INT NOT NULL, category INT NOT NULL, status INT NOT NULL, inspections INT NOT NULL,
  price DECIMAL(12,2) NOT NULL, budget DECIMAL(12,2) NOT NULL, spent DECIMAL(12,2) NULL,
  installed_at DATETIME NOT NULL, inspected_at DATETIME NULL, repaired_at DATETIME NULL,
  retired_at DATETIME NULL, name VARCHAR(64) NOT NULL, address VARCHAR(255) NOT NULL,
  owner VARCHAR(64) NULL, remark VARCHAR(512) NULL,
  PRIMARY KEY (id))"
geo_fill() {
	"${client[@]}" "$1" -e "INSERT INTO facilities SELECT seq,
  103.9 + (seq % 99991) / 400000, 30.5 + (seq % 77773) / 300000, 400000 + (seq % 99991) * 1.37, 3300000 + (seq % 77773) * 2.11,
  IF(seq % 7 = 0, NULL, 480 + (seq % 997) / 10), 510104 + seq % 12, 5101040 + seq % 300, seq % 40000, 100 + seq % 57,
  seq % 23, seq % 5, seq % 31, (seq % 100000) / 7, 1000 + (seq * 13 % 9999991) / 100, IF(seq % 4 = 0, NULL, (seq * 7 % 999983) / 100),
  '2015-01-01 08:00:00' + INTERVAL seq * 251 SECOND, IF(seq % 3 = 0, NULL, '2023-01-01 00:00:00' + INTERVAL seq * 29 SECOND),
  IF(seq % 5 = 0, '2024-03-01 09:30:00' + INTERVAL seq * 17 SECOND, NULL), IF(seq % 50 = 0, '2026-01-01 00:00:00' + INTERVAL seq SECOND, NULL),
  CONCAT('井盖', seq % 97, '号-', LPAD(seq, 8, '0')), CONCAT('成都市武侯区人民南路', seq % 800, '号', seq % 13, '栋附近'),
  IF(seq % 6 = 0, NULL, CONCAT('城管局第', seq % 40, '中队')), IF(seq % 2 = 0, NULL, CONCAT('巡查发现井盖松动，已通知养护单位处理，编号', seq))
FROM seq_1_to_$2"
}
snap_bench snapshot-geo bench_snapshot_geo facilities "$geo_ddl" geo_fill
fi

if want snapshot-narrow; then
echo
echo "== snapshot-narrow: full snapshot of a 1,000,000-row table of 64 small columns, many NULL"
narrow_ddl="CREATE TABLE readings (id INT NOT NULL"
narrow_sel="seq"
for i in $(seq 1 63); do
	case $((i % 5)) in
	0) typ="TINYINT NULL"; val="IF(seq % $((i % 3 + 2)) = 0, NULL, (seq + $i) % 100)" ;;
	1) typ="SMALLINT NULL"; val="IF((seq + $i) % 4 < 3, NULL, (seq * $i) % 30000)" ;;
	2) typ="INT NULL"; val="IF(seq % 2 = 0, NULL, seq * $i % 1000003)" ;;
	3) typ="DATE NULL"; val="IF((seq + $i) % 3 = 0, NULL, '2020-01-01' + INTERVAL (seq + $i) % 2000 DAY)" ;;
	4) typ="CHAR(2) NULL"; val="IF(seq % 5 = $((i % 5)), NULL, ELT(1 + (seq + $i) % 4, 'A', 'B1', '甲', 'ZZ'))" ;;
	esac
	narrow_ddl+=", c$i $typ"
	narrow_sel+=", $val"
done
narrow_ddl+=", PRIMARY KEY (id))"
narrow_fill() { "${client[@]}" "$1" -e "INSERT INTO readings SELECT $narrow_sel FROM seq_1_to_$2"; }
snap_bench snapshot-narrow bench_snapshot_narrow readings "$narrow_ddl" narrow_fill
fi

# snapshot-incremental (issue 3): a 10,000,000-row case table, snapshotted
# once in full (its wall time and peak RSS are printed: RSS target < 512 MB
# at 10 M too), then about 12,000 rows (one day's changes) updated and
# inserted at the source, and the incremental snapshot on updated_at timed.
# Target: under 2 s. SNAP10M_ROWS overrides the size.
if want snapshot-incremental; then
echo
echo "== snapshot-incremental: one day's changes (~12,000 rows) on a 10,000,000-row case table"
inc_db=bench_snapshot10m
inc_rows=${SNAP10M_ROWS:-10000000}
have=$("${client[@]}" -N -B -e "SELECT COUNT(*) FROM $inc_db.cases" 2>/dev/null || echo 0)
if [ "${SNAP_KEEP:-}" != 1 ] || [ "$have" != "$inc_rows" ]; then
	"${client[@]}" -e "DROP DATABASE IF EXISTS $inc_db; CREATE DATABASE $inc_db CHARACTER SET utf8mb4"
	"${client[@]}" "$inc_db" -e "$cases_ddl"
	t0=$(date +%s.%N)
	cases_fill "$inc_db" "$inc_rows"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v n="$inc_rows" 'BEGIN{printf "generated %d rows in MariaDB in %.1f s\n", n, b-a}'
fi
inc_dsn="${PUSHAUDIT_MYSQL_DSN%/*}/$inc_db"
rm -f "$work/inc.duckdb" "$work/inc.duckdb.wal"
inc_snap() {
	/usr/bin/time -f "%e %M" -o "$work/t" "$snap_bin" --log-level warn snapshot --source "bench=$inc_dsn" --table cases \
		--policy cases=incremental:updated_at --warehouse "$work/inc.duckdb" --allow-primary >"$work/inc.out"
	read -r e m <"$work/t"
}
inc_snap
full_e=$e full_m=$m
printf '  full snapshot of %d rows: %.1f s, peak RSS %d MB\n' "$inc_rows" "$full_e" "$((full_m / 1024))"
cp "$work/inc.duckdb" "$work/inc-base.duckdb"
mark=$("${client[@]}" -N -B "$inc_db" -e "SELECT MAX(updated_at) FROM cases")
# One day's changes: 11,000 cases updated, 1,000 new ones.
"${client[@]}" "$inc_db" -e "UPDATE cases SET stage_id = 6, close_time = NOW(), updated_at = NOW(3) WHERE id % 900 = 1 LIMIT 11000"
"${client[@]}" "$inc_db" -e "INSERT INTO cases SELECT id + $inc_rows, CONCAT('N', case_no), task_no, source_id, kind, type_id, main_id,
  sub_id, detail_id, district_id, street_id, community_id, x, y, address, description, 1, NOW(), NULL, NOW(3) FROM cases WHERE id <= 1000"
# Right after the changes InnoDB is still purging the old row versions:
# until it has, COUNT(*) must look up every delete-marked index entry.
inc_snap
now_e=$e
# At 23:00 a day's changes are long purged: wait for the history list to
# empty, then time the same incremental snapshot again from the same
# starting warehouse, and the baseline: MariaDB's client reading what any
# incremental snapshot must read (COUNT(*) and the changed rows).
for _ in $(seq 120); do
	hist=$("${client[@]}" -N -B -e "SHOW ENGINE INNODB STATUS" | grep -o 'History list length [0-9]*' | grep -o '[0-9]*$')
	[ "${hist:-0}" -eq 0 ] && break
	sleep 1
done
cp "$work/inc-base.duckdb" "$work/inc.duckdb"
rm -f "$work/inc.duckdb.wal"
/usr/bin/time -f "%e" -o "$work/t" "${client[@]}" --quick -B -N "$inc_db" \
	-e "SELECT COUNT(*) FROM cases; SELECT * FROM cases WHERE updated_at >= '$mark'" >/dev/null
base_e=$(cat "$work/t")
inc_snap
awk -v e="$e" -v m="$m" -v b="$base_e" -v n="$now_e" 'BEGIN{printf "snapshot-incremental: %.2f s for the changed rows (target < 2 s: %s); baseline (mariadb client: COUNT(*) and the changed rows) %.2f s, ratio %.2f; peak RSS %d MB; right after the changes, while InnoDB still purges: %.2f s\n", e, (e < 2 ? "met" : "MISSED"), b, e/b, m/1024, n}'
awk -v m="$full_m" 'BEGIN{printf "snapshot-10m: full snapshot peak RSS %d MB (target < 512: %s)\n", m/1024, (m/1024 < 512 ? "met" : "MISSED")}'
[ "${SNAP_KEEP:-}" = 1 ] || "${client[@]}" -e "DROP DATABASE IF EXISTS $inc_db"
fi

# keydiff-1m (issues 4 and 13): the key diff of one window with 1,000,000
# keys, values and change times included, against a hash join of the same
# key sets, interleaved, medians of 9. Targets: under 1 s, at most 2x.
if want keydiff-1m; then
echo
echo "== keydiff-1m: one window's key diff over 1,000,000 keys, values compared"
go test -tags=duckdb_arrow -run '^$' -bench KeyDiff_1M -benchtime 9x ./internal/reconcile | grep -oE 'keydiff-1M:.*' | tail -1
fi

# reconcile-year (issue 4): one day across all 55 resources on a warehouse
# holding a year (about 4 M cases, 30 M workflow rows), grown inside DuckDB
# from one simulated day; baseline: the same day on the one-day warehouse.
# Target: under 10 s. PUSHAUDIT_BENCH_DAYS overrides the 365 days.
if want reconcile-year; then
echo
echo "== reconcile-year: one day of 55 resources on ${PUSHAUDIT_BENCH_DAYS:-365} days of data"
go test -tags=duckdb_arrow -run '^$' -bench Reconcile_Year -benchtime 1x -timeout 60m ./cmd/pushaudit 2>&1 | grep -E '^(reconcile-year|--- FAIL|\s+bench_year)' || true
fi

# serve-day (issue 10): the daemon over one simulated day of the schedule
# (every cadence, 55 resources, 7 targets) at the default volume, on a
# two-day simulated site, with a generic webhook receiver on loopback.
#   serve-idle: serve's RSS with every job off but report:day, against a
#     minimal Go HTTP server (scripts/minhttp). Target: < 150 MB.
#   serve-day: CPU seconds and peak RSS of `serve --speed SERVE_SPEED`
#     over the day, against the same day done once from the CLI
#     (snapshot, reconcile, report).
#   serve-latency: in simulated time, a window's deadline → its finding's
#     first_seen (audit.results, audit.findings) → the webhook's arrival
#     (wall time mapped to simulated time from serve's start line), with
#     the default reconcile_delay (2 min) and with 30s, for the windows
#     due during the day (the day before's, judged when serve catches up
#     at its start, are counted apart). Target: p95 < 2 min.
# SERVE_SPEED (default 1440: a day in a minute, about 3.5 minutes for the
# entry) sets --speed; at that speed the runs cannot keep up with the
# clock, so the simulated latencies are upper bounds.
if want serve-day || want serve-latency; then
echo
echo "== serve-day / serve-latency: the daemon over simulated days (every cadence, 55 resources, 7 targets)"
sd="$work/serve"
mkdir -p "$sd"
go build -o "$work/minhttp" ./scripts/minhttp
go build -tags=duckdb_arrow -o "$work/whquery" ./scripts/whquery
serve_speed=${SERVE_SPEED:-1440}
day=2026-11-21
port=$((mariadb_port + 100))
"$snap_bin" --log-level warn sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix benchserve_ --seed 11 --start 2026-11-20 --days 2 --faults "${SERVE_FAULTS:-12}" \
	--manifest "$sd/manifest.json" --write-config "$sd/sim.yaml" --warehouse "$sd/sim.duckdb" >"$sd/sim.out"
cat "$sd/sim.out" | head -1
# serve_cfg NAME YAML: the simulated site's config with a warehouse and
# output directory of its own, YAML appended.
serve_cfg() {
	sed -e "s|^warehouse: .*|warehouse: $1.duckdb|" -e "s|^output_dir: .*|output_dir: out-$1|" "${serve_site:-$sd/sim.yaml}" >"$sd/$1.yaml"
	mkdir -p "$sd/out-$1"
	printf '%s\n' "$2" >>"$sd/$1.yaml"
}
wait_http() {
	for _ in $(seq 300); do
		curl -sf -o /dev/null "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

if want serve-day; then
# Idle: every job off but the daily report (07:30), half an hour away on
# the config's clock (now: 07:00) at real speed.
serve_cfg idle "serve:
  schedules:
    snapshot: 'off'
    snapshot_full: 'off'
    reconcile:every_10m: 'off'
    reconcile:every_30m: 'off'
    reconcile:hourly: 'off'
    reconcile:daily_after_2300: 'off'
    reconcile:once: 'off'
    reconcile:media_copy: 'off'
    reconcile:stats: 'off'
    report:half_month: 'off'
    report:month: 'off'
    report:quarter: 'off'
    report:year: 'off'"
"$snap_bin" --log-level warn --config "$sd/idle.yaml" serve --listen "127.0.0.1:$port" >"$sd/idle.out" &
idle_pid=$!
wait_http "http://127.0.0.1:$port/healthz" "$idle_pid"
sleep 5
idle_rss=$(rss_mb "$idle_pid")
kill -TERM "$idle_pid"
wait "$idle_pid"
"$work/minhttp" "127.0.0.1:$((port + 1))" &
min_pid=$!
wait_http "http://127.0.0.1:$((port + 1))/healthz" "$min_pid"
sleep 5
min_rss=$(rss_mb "$min_pid")
kill -TERM "$min_pid"
wait "$min_pid" || true
awk -v s="$idle_rss" -v b="$min_rss" 'BEGIN{printf "serve-idle: RSS %.1f MB; minimal Go HTTP server %.1f MB; ratio %.2f; target < 150 MB: %s\n", s, b, s/b, (s < 150 ? "met" : "MISSED")}'
fi

# The receiver: one line per POST, its wall-clock arrival and its body.
cat >"$work/receiver.py" <<'PY'
import http.server, sys, time
out = open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        t = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        out.write("%.6f\t%s\n" % (t, body.decode("utf-8").replace("\n", " ")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
export PUSHAUDIT_BENCH_HOOK="http://127.0.0.1:$((port + 2))/hook"
# serve_day NAME DELAY: serves the day on a fresh warehouse under GNU time,
# every stdout line stamped with the wall clock (the start line anchors
# the simulated clock), every webhook POST recorded in NAME.recv.
# bench_alerts NAME: the alerts section of a serve bench's config, every
# finding to the local receiver. start_receiver NAME starts that
# receiver, recording each POST in NAME.recv, its pid in rpid.
bench_alerts() {
	cat <<EOF
alerts:
  base_url: http://127.0.0.1:$port
  state_file: $1-alerts.json
  groups:
    bench:
      min_level: 4
      rate_limit: 100000
      rate_per: 1m
      receivers:
        - {kind: webhook, url_env: PUSHAUDIT_BENCH_HOOK}
EOF
}
start_receiver() {
	: >"$sd/$1.recv"
	python3 "$work/receiver.py" "$((port + 2))" "$sd/$1.recv" &
	rpid=$!
}
serve_day() {
	local name=$1 rpid
	serve_cfg "$name" "serve:
  reconcile_delay: $2
$(bench_alerts "$name")"
	start_receiver "$name"
	/usr/bin/time -f "%U %S %M %e" -o "$sd/$name.time" "$snap_bin" --log-level warn --config "$sd/$name.yaml" serve \
		--listen "127.0.0.1:$port" --speed "$serve_speed" --start "${day}T00:00:00+08:00" --for 24h 2>"$sd/$name.err" |
		while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done >"$sd/$name.out"
	sleep 1
	kill "$rpid"
	wait "$rpid" 2>/dev/null || true
}
# serve_skip: serve-latency on the honest clock. `serve --clock skip`
# runs the simulated clock in real time while a run (or an alert) works
# and jumps to the next tick when the daemon is idle, so a window's
# deadline -> first seen is reconcile_delay + jitter + the wait behind
# other runs + the real time of the due snapshot and the reconciliation,
# and first seen -> webhook the real time of the delivery. Defaults:
# serve.reconcile_delay and serve.snapshot_due (on). A simulated day
# takes as long as its runs (about half an hour of wall on the shared
# 2-core machine), so the span, SERVE_SKIP_HOURS (default 72: the
# issue's three days, about half an hour of wall) simulated hours from 08:00
# of the site's second day, runs on a site of its own (benchskip_*)
# simulated for the day before and every day the span touches, with
# SERVE_SKIP_FAULTS (default 15 a day) faults: enough findings to time.
# SERVE_SKIP_HOURS=4 is a quick look. Latencies in simulated time from the
# warehouse (deadline, first_seen) and the webhook's sent_at (the
# daemon's clock); CPU and peak RSS of the whole span under GNU time.
serve_skip() {
	local name=skip rpid hours=${SERVE_SKIP_HOURS:-72} load0 load1 days serve_site
	days=$(((8 + hours + 23) / 24 + 1))
	serve_site="$sd/skip-sim.yaml"
	"$snap_bin" --log-level warn sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix benchskip_ --seed 13 --start 2026-11-20 --days "$days" \
		--faults "${SERVE_SKIP_FAULTS:-$((15 * days))}" --manifest "$sd/skip-manifest.json" --write-config "$serve_site" \
		--warehouse "$sd/skip-sim.duckdb" >"$sd/skip-sim.out"
	echo "serve-latency site: $days simulated days from 2026-11-20, $(head -1 "$sd/skip-sim.out")"
	serve_cfg "$name" "$(bench_alerts "$name")"
	start_receiver "$name"
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	/usr/bin/time -f "%U %S %M %e" -o "$sd/$name.time" "$snap_bin" --log-level warn --config "$sd/$name.yaml" serve \
		--listen "127.0.0.1:$port" --clock skip --start "${day}T08:00:00+08:00" --for "${hours}h" 2>"$sd/$name.err" >"$sd/$name.out"
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	sleep 1
	kill "$rpid"
	wait "$rpid" 2>/dev/null || true
	"$work/whquery" "$sd/$name.duckdb" "SELECT f.finding_id, f.target || '/' || f.resource || '@' || f.window_start, epoch(f.first_seen), epoch(max(r.deadline)),
		f.status, f.target || '/' || f.resource, epoch(f.window_start), epoch(f.window_end)
		FROM audit.findings f JOIN audit.results r USING (target, resource, window_start)
		WHERE r.deadline IS NOT NULL GROUP BY ALL" >"$sd/$name.lat"
	read -r su ss sm se <"$sd/$name.time"
	runs=$(awk '$3 ~ /^[a-z_]+:[a-z_0-9]+$/ {n++} END{print n + 0}' "$sd/$name.out")
	missed=$(awk 'match($0, /for [0-9]+ missed tick/) {m += substr($0, RSTART + 4, RLENGTH - 16) + 0} END{print m + 0}' "$sd/$name.out")
	python3 - "$sd/$name.lat" "$sd/$name.recv" "$day" "$hours" <<'PY'
import calendar, datetime, json, math, sys, time
lat, recv, day, hours = sys.argv[1:]
start = calendar.timegm(time.strptime(day + " 08:00", "%Y-%m-%d %H:%M"))  # naive Shanghai, as the warehouse
end = start + 3600 * float(hours)
# Per window: its first finding's first seen (a window first seen missed
# and, two hours into the outage, stale has a second finding; the fault
# was detected with the first) and the first "new" message of any of its
# findings.
# A stale verdict is decided across windows: a run of windows without a
# push becomes stale when it spans stale_after (2 h; 48 h for daily
# windows), so a quiet window at the start of an outage (nothing to push:
# ok at its deadline) is first seen stale once the run is long enough.
# decided[(resource, window start)] is the deadline of the window that
# completed its run, from which such a window's finding could be seen.
found, first, window_of, before = {}, {}, {}, 0
stale_wins, deadline_of = {}, {}
for l in open(lat):
    fid, win, seen, deadline, status, res, ws, we = l.rstrip("\n").split("\t")
    seen, deadline, key = float(seen), float(deadline), (res, float(ws))
    window_of[fid] = win
    deadline_of[key] = deadline
    if status == "stale":
        stale_wins.setdefault(res, set()).add((float(ws), float(we)))
    if deadline < start:
        before += 1  # a window due before the span, judged when serve started
    elif deadline < end and seen < found.get(win, (math.inf,))[0]:
        found[win] = (seen, deadline)
        first[win] = (status, key)  # of its first finding
decided = {}
for res, wins in stale_wins.items():
    wins = sorted(wins)
    run = []
    for w in wins + [None]:
        if w is not None and run and w[0] == run[-1][1]:
            run.append(w)
            continue
        if run:
            after = 48 * 3600 if run[0][1] - run[0][0] >= 86400 else 2 * 3600
            done = next((x for x in run if x[1] - run[0][0] >= after), run[-1])
            for x in run:
                decided[(res, x[0])] = deadline_of[(res, done[0])]
        run = [w] if w is not None else []
sent = {}
for l in open(recv):
    _, body = l.split("\t", 1)
    m = json.loads(body)
    if m.get("event") == "new" and m["finding"]["id"] in window_of:
        at = datetime.datetime.fromisoformat(m["sent_at"].replace("Z", "+00:00")).timestamp() + 8 * 3600
        w = window_of[m["finding"]["id"]]
        sent[w] = min(sent.get(w, math.inf), at)
def rank(xs, q):  # nearest rank
    return xs[max(0, math.ceil(q * len(xs)) - 1)]
def stats(xs):
    xs = sorted(x / 60 for x in xs)
    if not xs:
        return "none", math.inf
    return "p50 %.2f, p95 %.2f, max %.2f min (n=%d)" % (rank(xs, 0.5), rank(xs, 0.95), xs[-1], len(xs)), rank(xs, 0.95)
seen, p_seen = stats([s - d for s, d in found.values()])
deliv, p_deliv = stats([sent[f] - s for f, (s, d) in found.items() if f in sent])
total, p_total = stats([sent[f] - d for f, (s, d) in found.items() if f in sent])
ok = lambda p: "met" if p < 2 else "MISSED"
print("serve-latency (clock skip, %s simulated hours from %s 08:00, simulated time): deadline -> first seen %s, target < 2 min: %s; "
      "first seen -> webhook %s, target < 2 min: %s; deadline -> webhook %s, target < 2 min: %s; "
      "per window with a finding; %d findings of windows due before the span left out, %d windows of the span not sent"
      % (hours, day, seen, ok(p_seen), deliv, ok(p_deliv), total, ok(p_total), before, len(found) - sum(1 for f in found if f in sent)))
# The same, a window first seen stale timed from the deadline that made its
# run stale (when that verdict could first be given) rather than its own.
def ref(w, d):
    status, key = first[w]
    return max(d, decided.get(key, d)) if status == "stale" else d
late = sorted(((s - d) / 60, w, first[w][0]) for w, (s, d) in found.items() if s - d >= 120)
seen2, p_seen2 = stats([s - ref(w, d) for w, (s, d) in found.items()])
total2, p_total2 = stats([sent[w] - ref(w, d) for w, (s, d) in found.items() if w in sent])
print("serve-latency, stale windows from the deadline that made their run stale: deadline -> first seen %s, target < 2 min: %s; deadline -> webhook %s, target < 2 min: %s; %d windows first seen 2 min or more after their own deadline: %s"
      % (seen2, ok(p_seen2), total2, ok(p_total2), len(late), "; ".join("%s %s %.1f min" % (w, st, m) for m, w, st in reversed(late[-12:]))))
PY
	awk -v u="$su" -v s="$ss" -v m="$sm" -v e="$se" -v h="$hours" -v runs="$runs" -v missed="$missed" -v l0="$load0" -v l1="$load1" 'BEGIN{
		printf "serve-latency span: CPU user+sys %.1f s (%.0f s per simulated day, scaled), peak RSS %d MB, wall %.0f s for %g simulated hours (%.2f simulated hours per wall hour; %d runs, %d ticks missed while busy); load average %s before, %s after\n",
			u+s, (u+s)*24/h, m/1024, e, h, h*3600/e, runs, missed, l0, l1}'
}
if want serve-day; then
serve_day day 2m
read -r su ss sm se <"$sd/day.time"
# Runs done, and the ticks they stood for that came while a run was busy
# (a run prints "(for K missed ticks too)"): the work skipped at this speed.
read -r runs missed < <(awk '$4 ~ /^[a-z_]+:[a-z_0-9]+$/ {n++; if (match($0, /for [0-9]+ missed tick/)) m += substr($0, RSTART + 4, RLENGTH - 16) + 0}
	END{print n + 0, m + 0}' "$sd/day.out")
# Baseline: the same day once from the CLI, on a warehouse of its own.
serve_cfg cli ""
: >"$sd/cli.times"
for step in "snapshot" "reconcile --from $day --to $day" "report --period $day"; do
	# shellcheck disable=SC2086 # the step's words are its arguments
	/usr/bin/time -f "%U %S %M" -a -o "$sd/cli.times" "$snap_bin" --log-level warn --config "$sd/cli.yaml" $step >/dev/null 2>&1 || true
done
# (GNU time adds a line "Command exited with non-zero status 1" when
# reconcile finds something: only the lines of figures count.)
awk -v u="$su" -v s="$ss" -v m="$sm" -v e="$se" -v n="$serve_speed" -v runs="$runs" -v missed="$missed" '$1 ~ /^[0-9.]+$/ {c += $1 + $2; if ($3 > r) r = $3} END{
	printf "serve-day: CPU user+sys %.1f s, peak RSS %d MB, wall %.0f s for one simulated day at speed %g (%d runs, %d more ticks missed while busy); CLI snapshot+reconcile+report of the day %.1f s CPU (peak RSS %d MB); ratio %.1f\n",
		u+s, m/1024, e, n, runs, missed, c, r/1024, (u+s)/c}' "$sd/cli.times"
# serve_latency NAME LABEL: the latency figures of run NAME.
serve_latency() {
	local name=$1
	"$work/whquery" "$sd/$name.duckdb" "SELECT f.finding_id, epoch(f.first_seen), epoch(max(r.deadline))
		FROM audit.findings f JOIN audit.results r USING (target, resource, window_start)
		WHERE f.first_seen >= TIMESTAMP '$day 00:00:00' AND f.first_seen < TIMESTAMP '$day 00:00:00' + INTERVAL 1 DAY
		AND r.deadline IS NOT NULL GROUP BY ALL" >"$sd/$name.lat"
	python3 - "$sd/$name.lat" "$sd/$name.recv" "$sd/$name.out" "$day" "$serve_speed" "$2" <<'PY'
import calendar, json, math, re, sys, time
lat, recv, out, day, speed, label = sys.argv[1:]
speed = float(speed)
# The start line: its wall-clock stamp and the simulated clock it prints.
line = next(l for l in open(out) if " serve: " in l and " jobs on " in l)
anchor_wall = float(line.split()[0])
clock = re.search(r"clock (\S+)T(\S+)\+08:00", line)
# Naive Shanghai wall clock as epoch seconds, as the warehouse's TIMESTAMPs.
naive = lambda d, t: calendar.timegm(time.strptime(d + " " + t, "%Y-%m-%d %H:%M:%S"))
anchor_sim = naive(clock.group(1), clock.group(2))
start = naive(day, "00:00:00")
found, catchup = {}, 0
for l in open(lat):
    fid, seen, deadline = l.rstrip("\n").split("\t")
    if float(deadline) < start:
        catchup += 1  # a window of the day before, judged when serve caught up
        continue
    found[fid] = (float(seen), float(deadline))
sent = {}
for l in open(recv):
    t, body = l.split("\t", 1)
    m = json.loads(body)
    if m.get("event") == "new":
        sent.setdefault(m["finding"]["id"], anchor_sim + (float(t) - anchor_wall) * speed)
def rank(xs, q):  # nearest rank
    return xs[max(0, math.ceil(q * len(xs)) - 1)]
def stats(xs):
    xs = sorted(x / 60 for x in xs)
    if not xs:
        return "none"
    return "p50 %.1f, p95 %.1f, max %.1f min (n=%d)" % (rank(xs, 0.5), rank(xs, 0.95), xs[-1], len(xs))
seen = [s - d for s, d in found.values()]
deliv = [sent[f] - s for f, (s, d) in found.items() if f in sent]
total = sorted(sent[f] - d for f, (s, d) in found.items() if f in sent)
p95 = rank(total, 0.95) / 60 if total else math.inf
print("serve-latency (%s, simulated time, windows due during the day): deadline -> first seen %s; first seen -> webhook %s; "
      "deadline -> webhook %s; target p95 < 2 min: %s; %d findings of the day before left out (caught up at start), %d of the day's not sent"
      % (label, stats(seen), stats(deliv), stats(total), "met" if p95 < 2 else "MISSED", catchup, len(found) - len(deliv)))
PY
}
serve_latency day "reconcile_delay 2m"
serve_day day30 30s
serve_latency day30 "reconcile_delay 30s"
echo "(at speed $serve_speed a run of a few wall seconds spans simulated minutes: runs queue, ticks that come meanwhile are missed, the simulated latencies are inflated and the CPU is less than a real day's; reconcile_delay puts first seen at least that long after the deadline)"
fi
if want serve-latency; then
	serve_skip
fi
for d in $("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchserve\\_%' OR schema_name LIKE 'benchskip\\_%'"); do
	"${client[@]}" -e "DROP DATABASE IF EXISTS \`$d\`"
done
fi

# snapshot-site (issue 15): a 3-day simulated site (10 sources, 83
# tables), its config written by `sim --write-config` with the policies
# inferred from the structure (append on auto-increment keys, incremental
# on an indexed update time, the rest copied when changed). Figures: the
# first (full) snapshot into a new warehouse; a second one with nothing
# changed (target < 1 s), as a ratio against the full one; and the full
# snapshot against the baseline of Debian's `mydumper --threads 2`
# dumping the same databases, when installed (target ≤ 2×): medians of
# SITE_RUNS (default 3) interleaved rounds of the three. Each round also
# times the floor under any full snapshot: DuckDB alone storing the same
# tables (scripts/duckcopy copies them from the warehouse just written
# into a new file, one thread, no MySQL), printed against both. Then
# `snapshot --verify` of every table, once.
if want snapshot-site; then
echo
echo "== snapshot-site: whole simulated site (3 days), full, nothing changed, verify"
sd="$work/site"
mkdir -p "$sd"
$BIN sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix benchsite_ --seed 3 --days 3 --faults 0 --write-config "$sd/site.yaml" >"$sd/sim.out"
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >>"$sd/runs.out" 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}'; }
if ! command -v mydumper >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
	echo "bench.sh: installing Debian's mydumper (the baseline of the full snapshot)" >&2
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mydumper >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mydumper >/dev/null; }; } ||
		echo "bench.sh: mydumper could not be installed" >&2
fi
dbs=$("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchsite\\_%'" | paste -sd'|')
: >"$sd/full.t"; : >"$sd/same.t"; : >"$sd/dump.t"; : >"$sd/floor.t"
go build -o "$work/duckcopy" ./scripts/duckcopy
for i in $(seq "${SITE_RUNS:-3}"); do
	rm -f "$sd/site.duckdb" "$sd/site.duckdb.wal"
	f=$(secs $BIN --config "$sd/site.yaml" snapshot)
	s=$(secs $BIN --config "$sd/site.yaml" snapshot)
	echo "$f" >>"$sd/full.t"
	echo "$s" >>"$sd/same.t"
	m=-
	if command -v mydumper >/dev/null; then
		rm -rf "$sd/dump"
		m=$(secs mydumper --host 127.0.0.1 --port "$mariadb_port" --user pushaudit --password pushaudit --threads 2 \
			--regex "^($dbs)\\." --outputdir "$sd/dump" --no-schemas)
		echo "$m" >>"$sd/dump.t"
	fi
	# The floor under any full snapshot: DuckDB alone storing the same
	# tables, copied from the warehouse just written (scripts/duckcopy).
	read -r c _ <<<"$("$work/duckcopy" "$sd/site.duckdb" "$sd/floor.duckdb")"
	echo "$c" >>"$sd/floor.t"
	echo "  round $i: full $f s, nothing changed $s s, mydumper $m s, DuckDB alone $c s"
done
full_s=$(median <"$sd/full.t")
same_s=$(median <"$sd/same.t")
verify_s=$(secs $BIN --config "$sd/site.yaml" snapshot --verify)
awk -v f="$full_s" -v s="$same_s" -v v="$verify_s" 'BEGIN{printf "snapshot-site: full %.2f s; nothing changed %.2f s (ratio %.3f of full; target < 1 s: %s); verify every table %.2f s (ratio %.2f of full)\n", f, s, s/f, (s < 1 ? "met" : "MISSED"), v, v/f}'
if [ -s "$sd/dump.t" ]; then
	awk -v f="$full_s" -v b="$(median <"$sd/dump.t")" 'BEGIN{printf "snapshot-site: full %.2f s; baseline mydumper --threads 2 %.2f s; ratio %.2f (target <= 2: %s)\n", f, b, f/b, (f/b <= 2 ? "met" : "MISSED")}'
else
	echo "snapshot-site: mydumper not installed: no baseline for the full snapshot"
fi
awk -v f="$full_s" -v c="$(median <"$sd/floor.t")" -v b="$( [ -s "$sd/dump.t" ] && median <"$sd/dump.t" || echo 0)" 'BEGIN{
	printf "snapshot-site: the floor, DuckDB alone storing the same tables (CREATE TABLE AS SELECT from the warehouse, one thread, no MySQL) %.2f s", c
	if (b > 0) printf " = %.2f x mydumper", c/b
	printf "; the full snapshot is %.2f x it\n", f/c}'

for d in $("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchsite\\_%'"); do
	"${client[@]}" -e "DROP DATABASE IF EXISTS \`$d\`"
done
fi

# snapshot-due (issue 15): on a simulated site of DUE_DAYS (default 30)
# days at the default volume, ten minutes of new cases, workflow rows,
# pushes and front-end rows are added; then, from the same warehouse each
# time, `snapshot --resource province` (the tables province's 10-minute
# window reads) against the baseline of the whole-site snapshot, DUE_RUNS
# (default 3) interleaved runs of each, medians and peak RSS. The growing
# tables are read incrementally in both (cases by updated_at; workflow,
# tracks, supervisor status, media, push log and front-end tables with an
# auto-increment key, by key), every other table
# in full, or kept when its change token says it did not change. With
# the config's defaults, a table is counted at the source only when a
# commit touched it since its last count that agreed (count.go); measured
# with them, interleaved: the whole site with `--count` (every table
# counted, as before), and with snapshot.count_every 1h (the changed
# tables not counted either: the first snapshot, a few minutes before,
# counted them). Targets: the due snapshot under 0.5 s, the whole site
# under 2 s. DUE_KEEP=1 reuses the simulated databases of an earlier run
# (benchdue_*); after a restart of the server their change tokens are
# unknown until the next change: the unchanged tables are then copied
# and counted.
if want snapshot-due; then
echo
echo "== snapshot-due: the tables of one target's 10-minute window vs the whole site, ${DUE_DAYS:-30} simulated days"
dd="$work/due"
mkdir -p "$dd"
have=$("${client[@]}" -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'benchdue_biz' AND table_name = 'cases'")
if [ "${DUE_KEEP:-}" != 1 ] || [ "$have" = 0 ]; then
	for d in $("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchdue\\_%'"); do
		"${client[@]}" -e "DROP DATABASE IF EXISTS \`$d\`"
	done
	t0=$(date +%s.%N)
	"$snap_bin" --log-level warn sim --mysql "$PUSHAUDIT_MYSQL_DSN" --db-prefix benchdue_ --seed 7 --start 2026-11-01 --days "${DUE_DAYS:-30}" >"$dd/sim.out"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "simulated in %.0f s\n", b-a}'
fi
"${client[@]}" -N -B -e "SELECT COUNT(*), ROUND(SUM(table_rows) / 1e6, 2) FROM information_schema.tables WHERE table_schema LIKE 'benchdue\\_%' AND table_type = 'BASE TABLE'" |
	awk '{printf "site: %d tables, about %.2f M rows\n", $1, $2}'
# The config: every simulated database, the growing tables incremental.
{
	echo "warehouse: due.duckdb"
	echo "mysql: {addr: \"127.0.0.1:$mariadb_port\", user: pushaudit, password_file: pw}"
	echo "snapshot: {allow_primary: true}"
	echo "sources:"
	for d in $("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchdue\\_%' ORDER BY 1"); do
		src=${d#benchdue_}
		echo "  $src:"
		echo "    database: $d"
		pols=$("${client[@]}" -N -B -e "SELECT table_name FROM information_schema.columns
			WHERE table_schema = '$d' AND column_key = 'PRI' AND (extra LIKE '%auto_increment%'
			   OR table_name IN ('case_activities', 'supervisor_tracks', 'supervisor_status', 'media')) ORDER BY 1")
		[ "$src" = biz ] && echo "    policies:" && echo "      cases: {policy: incremental, watermark: updated_at}"
		if [ -n "$pols" ]; then
			[ "$src" = biz ] || echo "    policies:"
			for t in $pols; do echo "      $t: {policy: append}"; done
		fi
	done
} >"$dd/due.yaml"
echo pushaudit >"$dd/pw"
chmod 600 "$dd/pw"
"$snap_bin" --log-level warn --config "$dd/due.yaml" snapshot >"$dd/first.out"
tail -1 "$dd/first.out"
cp "$dd/due.duckdb" "$dd/base.duckdb"
# Ten minutes of activity: the rows of the simulation's last ten minutes
# again, ten minutes later, under new keys; and the last ten minutes'
# cases updated (their workflow moved on).
q() { "${client[@]}" "$@"; }
tenmin() { # DB TABLE KEY TIME_COLUMN "SET …": copies the last ten minutes of rows, keys above the largest
	q -N -B "$1" -e "SET @off = (SELECT MAX($3) FROM $2);
		CREATE TEMPORARY TABLE t10 AS SELECT * FROM $2 WHERE $4 >= (SELECT MAX($4) - INTERVAL 10 MINUTE FROM $2);
		UPDATE t10 SET $3 = $3 + @off; UPDATE t10 SET $5; INSERT INTO $2 SELECT * FROM t10; SELECT ROW_COUNT()"
}
q benchdue_biz -e "UPDATE cases SET rework_count = rework_count + 1, updated_at = NOW(3) WHERE report_time >= (SELECT m FROM (SELECT MAX(report_time) - INTERVAL 20 MINUTE AS m FROM cases) x)"
n_cases=$(tenmin benchdue_biz cases id report_time "case_no = CONCAT('T', id), report_time = report_time + INTERVAL 10 MINUTE, updated_at = NOW(3)")
n_act=$(tenmin benchdue_biz case_activities id start_time "start_time = start_time + INTERVAL 10 MINUTE")
n_push=$(tenmin benchdue_exchange push_log id started_at "batch_id = CONCAT('T', id), window_start = window_start + INTERVAL 10 MINUTE, window_end = window_end + INTERVAL 10 MINUTE, started_at = started_at + INTERVAL 10 MINUTE, finished_at = finished_at + INTERVAL 10 MINUTE")
n_fe=$(tenmin benchdue_fe_province case_basic fe_row_id arrived_at "batch_id = CONCAT('T', fe_row_id), arrived_at = arrived_at + INTERVAL 10 MINUTE")
echo "ten minutes of activity: $n_cases new cases, $n_act workflow rows, $n_push push batches, $n_fe front-end rows"
# runsec OUT: the run's own time from the snapshot's summary line ("in
# 1m2.5s", "in 850ms"): without the process start and the warehouse's
# open and close, which the daemon's due snapshot shares with the
# reconciliation it runs before.
runsec() {
	sed -n 's/.* in \([0-9hms.]*\) → .*/\1/p' "$1" | tail -1 | awk '{s=$0; t=0
		if (match(s,/[0-9.]+h/)) t+=substr(s,RSTART,RLENGTH-1)*3600
		if (match(s,/[0-9.]+m[^s]/) || match(s,/[0-9.]+m$/)) t+=substr(s,RSTART,RLENGTH-1)*60
		if (match(s,/[0-9.]+ms$/)) t+=substr(s,RSTART,RLENGTH-2)/1000; else if (match(s,/[0-9.]+s$/)) t+=substr(s,RSTART,RLENGTH-1)
		print t}'
}
: >"$dd/whole.t"; : >"$dd/due.t"; : >"$dd/rss"; : >"$dd/whole.r"; : >"$dd/due.r"
sed 's/^snapshot: {allow_primary: true}$/snapshot: {allow_primary: true, count_every: 1h}/' "$dd/due.yaml" >"$dd/cadence.yaml"
grep -q 'count_every: 1h' "$dd/cadence.yaml" || { echo "bench.sh: snapshot-due: count_every not set in $dd/cadence.yaml" >&2; exit 1; }
: >"$dd/count.t"; : >"$dd/count.r"; : >"$dd/cadence.t"; : >"$dd/cadence.r"
for i in $(seq "${DUE_RUNS:-3}"); do
	for kind in whole count cadence due; do
		cp "$dd/base.duckdb" "$dd/due.duckdb"
		rm -f "$dd/due.duckdb.wal"
		extra=()
		[ "$kind" = due ] && extra=(--resource province)
		[ "$kind" = count ] && extra=(--count)
		cfg=$dd/due.yaml
		[ "$kind" = cadence ] && cfg=$dd/cadence.yaml
		/usr/bin/time -f "%e %M" -o "$dd/t" "$snap_bin" --log-level warn --config "$cfg" snapshot "${extra[@]}" >"$dd/$kind.out"
		read -r e m <"$dd/t"
		echo "$e" >>"$dd/$kind.t"
		echo "$m" >>"$dd/rss"
		runsec "$dd/$kind.out" >>"$dd/$kind.r"
		printf '  run %d %-5s %.2f s, peak RSS %d MB: %s\n' "$i" "$kind" "$e" "$((m / 1024))" "$(tail -1 "$dd/$kind.out" | sed 's/ in .*//')"
	done
done
w_med=$(median <"$dd/whole.t")
d_med=$(median <"$dd/due.t")
c_med=$(median <"$dd/count.t")
k_med=$(median <"$dd/cadence.t")
rss_max=$(sort -n "$dd/rss" | tail -1)
awk -v w="$(median <"$dd/whole.r")" -v d="$(median <"$dd/due.r")" -v c="$(median <"$dd/count.r")" -v k="$(median <"$dd/cadence.r")" 'BEGIN{
	printf "snapshot-due, the runs alone (no process start, warehouse open or close): due %.2f s; whole site %.2f s; ratio %.3f; whole site with --count %.2f s, with count_every 1h %.2f s\n", d, w, d/w, c, k}'
awk -v w="$w_med" -v d="$d_med" -v c="$c_med" -v k="$k_med" -v r="$rss_max" 'BEGIN{
	printf "snapshot-due: due snapshot (province'"'"'s 10-minute window) %.2f s (target < 0.5 s: %s); whole-site snapshot %.2f s (target < 2 s: %s); ratio %.3f; the whole site with every table counted (--count, the baseline) %.2f s, ratio %.2f; with count_every 1h %.2f s; peak RSS %d MB (target < 512: %s)\n",
		d, (d < 0.5 ? "met" : "MISSED"), w, (w < 2 ? "met" : "MISSED"), d/w, c, w/c, k, r/1024, (r/1024 < 512 ? "met" : "MISSED")}'
[ "${DUE_KEEP:-}" = 1 ] || for d in $("${client[@]}" -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'benchdue\\_%'"); do
	"${client[@]}" -e "DROP DATABASE IF EXISTS \`$d\`"
done
fi
