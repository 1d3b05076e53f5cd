# Sourced by scripts/bench.sh (shares its variables and functions):
# serve-day and serve-latency (the daemon).

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
