-- DuckDB warehouse of pushaudit: the bookkeeping schema `audit`. Snapshot
-- tables live in one schema per source (biz, stats, exchange, fe_<target>),
-- named as in MySQL, so analysts query biz.cases directly.
-- Every statement is idempotent: the warehouse is upgraded in place.
-- Every TIMESTAMP is Asia/Shanghai wall-clock time, as in the sources.

CREATE SCHEMA IF NOT EXISTS audit;

-- One row per pushaudit run (snapshot, reconcile, report, demo, serve tick).
CREATE TABLE IF NOT EXISTS audit.runs (
  run_id       VARCHAR PRIMARY KEY,   -- time-ordered id, e.g. 20261127T231500.123-snapshot
  command      VARCHAR NOT NULL,      -- snapshot | reconcile | report | …
  started_at   TIMESTAMP   NOT NULL,
  finished_at  TIMESTAMP  ,
  status       VARCHAR NOT NULL,      -- running | ok | findings | failed
  args         VARCHAR,               -- the command line, secrets removed
  message      VARCHAR,               -- error or summary
  host         VARCHAR,
  version      VARCHAR
);

-- One row per source table per snapshot. A snapshot of a source is
-- published when all its tables are loaded and verified.
CREATE TABLE IF NOT EXISTS audit.snapshots (
  run_id         VARCHAR NOT NULL,
  source         VARCHAR NOT NULL,    -- biz | stats | exchange | fe_<target>
  table_name     VARCHAR NOT NULL,
  policy         VARCHAR NOT NULL,    -- full | incremental | append
  rows_loaded    BIGINT NOT NULL,
  rows_source    BIGINT,              -- COUNT(*) in the same consistent snapshot
  started_at     TIMESTAMP   NOT NULL,
  finished_at    TIMESTAMP  ,
  status         VARCHAR NOT NULL,    -- ok | failed
  error          VARCHAR,
  server_version VARCHAR,
  binlog_pos     VARCHAR,             -- GTID set or file:pos
  replica_lag_s  DOUBLE,              -- NULL when not a replica
  snapshot_at    TIMESTAMP,           -- source wall clock (Asia/Shanghai) at the consistent snapshot
  read_mode      VARCHAR,             -- e.g. "consistent snapshot, read only"
  PRIMARY KEY (run_id, source, table_name)
);

-- Values the loader could not carry as they were (zero dates, invalid
-- UTF-8, …), counted per column: nothing is dropped silently.
CREATE TABLE IF NOT EXISTS audit.snapshot_anomalies (
  run_id      VARCHAR NOT NULL,
  source      VARCHAR NOT NULL,
  table_name  VARCHAR NOT NULL,
  column_name VARCHAR NOT NULL,
  kind        VARCHAR NOT NULL,       -- zero_date | invalid_utf8 | …
  count       BIGINT NOT NULL,
  example     VARCHAR
);

-- One row per target × resource × window per reconcile run.
CREATE TABLE IF NOT EXISTS audit.results (
  run_id          VARCHAR NOT NULL,
  target          VARCHAR NOT NULL,
  resource        VARCHAR NOT NULL,
  window_start    TIMESTAMP NOT NULL,  -- Asia/Shanghai wall clock
  window_end      TIMESTAMP NOT NULL,
  deadline        TIMESTAMP,
  status          VARCHAR NOT NULL,    -- a verdict of DESIGN.md
  expected        BIGINT,              -- NULL when unknown (unverifiable)
  claimed         BIGINT,
  received        BIGINT,
  missing_keys    BIGINT NOT NULL DEFAULT 0,
  extra_keys      BIGINT NOT NULL DEFAULT 0,
  duplicate_keys  BIGINT NOT NULL DEFAULT 0,
  mismatched      BIGINT NOT NULL DEFAULT 0, -- dimensions / rows whose values differ
  last_push_at    TIMESTAMP,           -- latest finished_at of the window's batches
  fault_level     INTEGER,             -- 1..4 (一级..四级), NULL when not a finding
  detail          VARCHAR,             -- one line for people
  PRIMARY KEY (run_id, target, resource, window_start)
);

-- Keys behind a result: all of them, not a sample.
CREATE TABLE IF NOT EXISTS audit.result_keys (
  run_id        VARCHAR NOT NULL,
  target        VARCHAR NOT NULL,
  resource      VARCHAR NOT NULL,
  window_start  TIMESTAMP NOT NULL,
  kind          VARCHAR NOT NULL,      -- missing | extra | duplicate | mismatch
  key           VARCHAR NOT NULL,      -- key columns joined by '|'
  occurrences   INTEGER NOT NULL DEFAULT 1
);

-- Findings ledger: one row per target × resource × window × verdict,
-- tracked across runs.
CREATE TABLE IF NOT EXISTS audit.findings (
  finding_id        VARCHAR PRIMARY KEY, -- stable hash of target|resource|window_start|status
  target            VARCHAR NOT NULL,
  resource          VARCHAR NOT NULL,
  window_start      TIMESTAMP NOT NULL,
  window_end        TIMESTAMP NOT NULL,
  status            VARCHAR NOT NULL,
  fault_level       INTEGER,
  first_seen        TIMESTAMP   NOT NULL,
  last_seen         TIMESTAMP   NOT NULL,
  first_run_id      VARCHAR NOT NULL,
  last_run_id       VARCHAR NOT NULL,
  resolved_at       TIMESTAMP  ,
  resolved_run_id   VARCHAR,
  respond_by        TIMESTAMP  ,
  resolve_by        TIMESTAMP  ,
  expected          BIGINT,
  received          BIGINT,
  detail            VARCHAR
);

-- Snapshot engine (issue 3), additive.
-- How each table was read: in primary-key chunks, or whole (no single
-- integer primary key); how many chunks; rows kept from an interrupted
-- run that this one resumed.
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS read_whole BOOLEAN;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS chunks BIGINT;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS resumed_rows BIGINT;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS chunk_key VARCHAR;

-- Progress of a table being loaded into its staging table: committed with
-- every chunk, so a killed or failed run resumes after last_key. Removed
-- when the source is published or the staging table dropped.
CREATE TABLE IF NOT EXISTS audit.snapshot_progress (
  source      VARCHAR NOT NULL,
  table_name  VARCHAR NOT NULL,
  run_id      VARCHAR NOT NULL,       -- the run that wrote the last chunk
  signature   VARCHAR NOT NULL,       -- staging table definition; a change restarts the table
  chunk_key   VARCHAR,                -- the key column chunks are cut on
  last_key    VARCHAR,                -- key of the last row of the last committed chunk
  chunks      BIGINT NOT NULL,
  rows_done   BIGINT NOT NULL,
  done        BOOLEAN NOT NULL,       -- every chunk read
  updated_at  TIMESTAMP,
  PRIMARY KEY (source, table_name)
);

-- Per-table load state of the incremental and append policies: the
-- watermark (incremental: the largest watermark-column value; append: the
-- largest key) of the last published snapshot, and when the key sets were
-- last compared to find deleted rows.
CREATE TABLE IF NOT EXISTS audit.snapshot_watermarks (
  source           VARCHAR NOT NULL,
  table_name       VARCHAR NOT NULL,
  policy           VARCHAR NOT NULL,  -- incremental | append | full (watermark: the change token, unchanged.go)
  watermark_column VARCHAR NOT NULL,
  watermark        VARCHAR,           -- as the source prints it; NULL when the table was empty
  signature        VARCHAR NOT NULL,  -- table definition; a change forces a full load
  keys_checked_at  TIMESTAMP,         -- last key-set comparison (deletions), Asia/Shanghai
  run_id           VARCHAR NOT NULL,
  PRIMARY KEY (source, table_name)
);
ALTER TABLE audit.snapshot_watermarks ADD COLUMN IF NOT EXISTS counted_at TIMESTAMP;  -- last source COUNT(*) that agreed, Asia/Shanghai (snapshot.count_every)
ALTER TABLE audit.snapshot_watermarks ADD COLUMN IF NOT EXISTS count_token VARCHAR;   -- the change token (UPDATE_TIME, server) that count stands for; NULL when not trusted
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS delta_rows BIGINT;   -- rows read by an incremental/append run
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS deleted_rows BIGINT; -- rows removed by a key-set comparison
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS note VARCHAR;

-- The structure of every published table (information_schema), captured
-- with each snapshot; a difference from the previous capture is schema
-- drift (audit.snapshots.schema_drift and the note say what changed).
CREATE TABLE IF NOT EXISTS audit.snapshot_columns (
  run_id      VARCHAR NOT NULL,
  source      VARCHAR NOT NULL,
  table_name  VARCHAR NOT NULL,
  ordinal     INTEGER NOT NULL,
  column_name VARCHAR NOT NULL,
  column_type VARCHAR NOT NULL,       -- MySQL COLUMN_TYPE, e.g. bigint(20) unsigned
  is_nullable BOOLEAN NOT NULL,
  primary_key BOOLEAN NOT NULL
);
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS schema_drift VARCHAR;  -- NULL: same structure as the previous snapshot
-- How the snapshot masked the column's personal data (issue 14): NULL
-- copied as it is; hash (keyed, 32 hex digits), null, truncate(N), or
-- drop (not in the warehouse table at all).
ALTER TABLE audit.snapshot_columns ADD COLUMN IF NOT EXISTS mask VARCHAR;

-- Exactness (issue 15): a full table not copied because its change token
-- (UPDATE_TIME) says it did not change; rows re-read or removed by a
-- key-set repair (row counts disagreed) or a verification; checksums of
-- key ranges compared with the source (snapshot --verify). status is
-- 'inexact' when the rows are known to differ from the source after the
-- repair: the source is then not trusted (audit.trusted_sources).
-- A source read from a replica whose replication was not running: its
-- lag is unknown and growing, so its data are complete only to when it
-- stopped (audit.source_snapshots).
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS replica_stopped BOOLEAN;
-- keys of a rows resource whose source changed after the push that
-- carried them: their values were not compared (never a fault).
ALTER TABLE audit.results ADD COLUMN IF NOT EXISTS changed_since_push BIGINT DEFAULT 0;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS unchanged BOOLEAN;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS repaired_rows BIGINT;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS verified BOOLEAN;
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS verify_chunks BIGINT;       -- key-range chunks compared
ALTER TABLE audit.snapshots ADD COLUMN IF NOT EXISTS verify_diff_chunks BIGINT;  -- chunks whose checksums differed, re-read

-- Responses to findings (pushaudit ack), additive: when someone responded,
-- who, and what they noted; respond_by is the limit it is held against.
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS responded_at TIMESTAMP;  -- Asia/Shanghai wall clock; NULL: no response yet
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS responded_by VARCHAR;
-- Who ran it: the operating-system user of the pushaudit process (with
-- host, command, args and times, the audit log of pushaudit's own actions
-- that protection level 3 asks of every application).
ALTER TABLE audit.runs ADD COLUMN IF NOT EXISTS run_by VARCHAR;
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS response_note VARCHAR;

-- Incidents (issue 11), additive: a fault as the contract counts it
-- (故障), the findings of one outage grouped (pipelines.GroupIncidents)
-- after each reconciliation. Written by package ledger only. A finding
-- names its incident; the keys it lacks, holds extra and holds twice are
-- kept with it for the incident's rows.
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS incident_id VARCHAR;
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS missing_keys BIGINT;
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS extra_keys BIGINT;
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS duplicate_keys BIGINT;
CREATE TABLE IF NOT EXISTS audit.incidents (
  incident_id        VARCHAR NOT NULL,   -- INC-<first window day>-<hash>; unique (the ledger replaces a row whole)
  targets            VARCHAR[] NOT NULL,
  resources          VARCHAR[] NOT NULL,
  statuses           VARCHAR[] NOT NULL, -- verdicts of its findings, report order
  whole_target       BOOLEAN NOT NULL,   -- a target down: resources failing together
  first_window_start TIMESTAMP NOT NULL,
  last_window_end    TIMESTAMP NOT NULL,
  windows            INTEGER NOT NULL,   -- target × resource × window count
  missing_rows       BIGINT NOT NULL,
  extra_rows         BIGINT NOT NULL,
  duplicate_rows     BIGINT NOT NULL,
  fault_level        INTEGER NOT NULL,   -- 1..4: 一级..四级 of table 3-5
  detected_at        TIMESTAMP NOT NULL, -- first sighting of any finding (故障申报)
  respond_by         TIMESTAMP NOT NULL, -- detected_at + table 3-5 response time
  resolve_by         TIMESTAMP NOT NULL, -- detected_at + table 3-5 resolve time
  resolved_at        TIMESTAMP,          -- every finding resolved: the last resolution; NULL: open
  responded_at       TIMESTAMP,          -- pushaudit ack --incident
  responded_by       VARCHAR,
  note               VARCHAR,            -- cause, what was done
  report_path        VARCHAR,            -- 故障处置总结报告 (ack --incident --report)
  reported_at        TIMESTAMP,
  updated_run_id     VARCHAR NOT NULL    -- the run that last regrouped it
);

-- One row per report written (pushaudit report, demo). The operations
-- report deducts for the monthly and quarterly reports of its period that
-- are missing or were written late (the quarterly assessment).
CREATE TABLE IF NOT EXISTS audit.reports (
  period      VARCHAR NOT NULL,     -- 2026-11-20, 2026-11-H1, 2026-11, 2026-Q4, 2026
  kind        VARCHAR NOT NULL,     -- day | half-month | month | quarter | year
  lang        VARCHAR NOT NULL,     -- zh | en
  path        VARCHAR NOT NULL,
  written_at  TIMESTAMP NOT NULL    -- Asia/Shanghai wall clock
);

-- Views and table macros: the rules the readers of the audit tables share,
-- defined once here instead of in each query. They hold no data; a
-- TIMESTAMP argument is Asia/Shanghai wall clock like every column.

-- The day a window counts for: the day its end falls in, window_end in
-- (day 00:00, next day 00:00]; the window [23:50, 00:00) is the last one
-- of its day, a daily_after_2300 window [D-1 23:00, D 23:00) is D's.
CREATE OR REPLACE MACRO audit.window_day(window_end) AS
  CAST(window_end - INTERVAL 1 MICROSECOND AS DATE);

-- The latest result of each target × resource × window whose window ends
-- in (lo, hi]: of a run that is not still running, the latest by the
-- run's start, then run id (a result of a run missing from audit.runs
-- comes last). Its day is window_day(window_end).
-- Ranking every window of a long period is slow (a year is 2.9 M windows,
-- each its own partition), and most windows have one result only. So the
-- windows each run judged are first summed up per target × resource as
-- the span of their starts: a run whose span overlaps no other run's
-- span holds the only result of each of its windows, which is then the
-- latest; only the results of runs whose spans overlap are ranked.
CREATE OR REPLACE MACRO audit.latest_results(lo, hi) AS TABLE
  WITH spans AS (
    SELECT run_id, target, resource,
           coalesce(max(b) OVER (PARTITION BY target, resource ORDER BY a, run_id
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) >= a, false)
        OR coalesce(lead(a) OVER (PARTITION BY target, resource ORDER BY a, run_id) <= b, false) AS shared
    FROM (SELECT run_id, target, resource, min(window_start) AS a, max(window_start) AS b
          FROM audit.results
          WHERE window_end > lo AND window_end <= hi
            AND run_id NOT IN (SELECT run_id FROM audit.runs WHERE status = 'running')
          GROUP BY run_id, target, resource))
  SELECT x.*, audit.window_day(x.window_end) AS day
  FROM audit.results x
  SEMI JOIN spans s ON s.run_id = x.run_id AND s.target = x.target AND s.resource = x.resource AND NOT s.shared
  WHERE x.window_end > lo AND x.window_end <= hi
  UNION ALL
  SELECT * FROM (
    SELECT x.*, audit.window_day(x.window_end) AS day
    FROM audit.results x
    JOIN spans s ON s.run_id = x.run_id AND s.target = x.target AND s.resource = x.resource AND s.shared
    LEFT JOIN audit.runs u ON u.run_id = x.run_id
    WHERE x.window_end > lo AND x.window_end <= hi
    QUALIFY row_number() OVER (PARTITION BY x.target, x.resource, x.window_start
                               ORDER BY u.started_at DESC NULLS LAST, x.run_id DESC) = 1);

-- One row per source per snapshot run: whether every table loaded ok,
-- the source time it shows (the earliest consistent snapshot of its
-- tables), the worst replica lag, the time its data are complete to (the
-- snapshot time less the lag: a replica 2 hours behind holds the primary
-- of 2 hours ago), and when its last table finished. A replica that was
-- not replicating holds the primary of when it stopped, which nothing
-- tells: its data are complete to what the source's latest earlier good
-- snapshot taken while it replicated was complete to (it stopped after
-- that), or to nothing (NULL: not trusted) when there is none.
CREATE OR REPLACE VIEW audit.source_snapshots AS
  WITH runs AS (
    SELECT run_id, source,
           bool_and(status = 'ok') AS all_ok,
           min(coalesce(snapshot_at, started_at)) AS snapshot_at,
           max(replica_lag_s) AS replica_lag_s,
           max(snapshot_at - to_microseconds(CAST(coalesce(replica_lag_s, 0) * 1000000 AS BIGINT))) AS held_to,
           coalesce(bool_or(replica_stopped), false) AS replica_stopped,
           max(coalesce(finished_at, started_at)) AS finished_at
    FROM audit.snapshots
    GROUP BY run_id, source)
  SELECT run_id, source, all_ok, snapshot_at, replica_lag_s,
         CASE WHEN replica_stopped
              THEN max(CASE WHEN all_ok AND NOT replica_stopped THEN held_to END)
                   OVER (PARTITION BY source ORDER BY run_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              ELSE held_to END AS complete_to,
         finished_at, replica_stopped
  FROM runs;

-- The sources whose latest snapshot run (by run id) loaded every table
-- ok, with the time their data are complete to: what a reconciliation
-- may trust.
CREATE OR REPLACE VIEW audit.trusted_sources AS
  SELECT source, complete_to FROM (
    SELECT source, complete_to, all_ok,
           row_number() OVER (PARTITION BY source ORDER BY run_id DESC) AS rn
    FROM audit.source_snapshots)
  WHERE rn = 1 AND all_ok AND complete_to IS NOT NULL;

-- Each table with the latest snapshot run that loaded it (a run may load
-- only some tables of a source: `snapshot --resource`, the daemon's due
-- snapshots), whether that run may be trusted (every table of the run
-- loaded ok and no later run of the source failed before listing its
-- tables) and the time its data are complete to. The tables of one run of
-- one source are one consistent read; a reconciliation judges a window of
-- a resource only when every table it reads is trusted and complete to
-- the window end.
CREATE OR REPLACE VIEW audit.table_snapshots AS
  WITH latest AS (
    SELECT source, table_name, max(run_id) AS run_id FROM audit.snapshots
    WHERE table_name <> '*' GROUP BY source, table_name),
  whole_failed AS (
    SELECT source, max(run_id) AS run_id FROM audit.snapshots
    WHERE table_name = '*' GROUP BY source)
  SELECT l.source, l.table_name, l.run_id,
         r.all_ok AND r.complete_to IS NOT NULL AND (w.run_id IS NULL OR w.run_id < l.run_id) AS trusted,
         r.complete_to
  FROM latest l JOIN audit.source_snapshots r USING (run_id, source)
  LEFT JOIN whole_failed w USING (source);

-- The snapshot health of each source over the snapshots started in
-- [lo, hi): runs, tables, loads ok and failed, rows, row-count
-- mismatches against the source, replica lag, the last good snapshot and
-- the values the loader could not carry as they were.
CREATE OR REPLACE MACRO audit.snapshot_health(lo, hi) AS TABLE
  WITH s AS (
    SELECT * FROM audit.snapshots WHERE started_at >= lo AND started_at < hi),
  a AS (
    SELECT n.source, sum(n.count) AS anomalies
    FROM audit.snapshot_anomalies n JOIN (SELECT DISTINCT run_id, source FROM s) k USING (run_id, source)
    GROUP BY n.source)
  SELECT s.source,
         count(DISTINCT s.run_id) AS snapshots,
         count(DISTINCT s.table_name) AS tables,
         count(*) FILTER (WHERE s.status = 'ok') AS ok_loads,
         count(*) FILTER (WHERE s.status <> 'ok') AS failed_loads,
         coalesce(sum(s.rows_loaded), 0) AS rows_loaded,
         count(*) FILTER (WHERE s.rows_source IS NOT NULL AND s.rows_source <> s.rows_loaded) AS count_mismatches,
         max(s.replica_lag_s) AS max_lag_s,
         avg(s.replica_lag_s) AS avg_lag_s,
         max(coalesce(s.snapshot_at, s.started_at)) FILTER (WHERE s.status = 'ok') AS last_ok,
         coalesce(any_value(a.anomalies), 0) AS anomalies
  FROM s LEFT JOIN a ON a.source = s.source
  GROUP BY s.source;

-- Schema drift as the snapshots record it (audit.snapshots.schema_drift,
-- the changes of one table joined by '; '): one row per change, when the
-- snapshot that found it was taken.
CREATE OR REPLACE VIEW audit.schema_drift AS
  SELECT coalesce(snapshot_at, started_at) AS detected_at, run_id, source, table_name,
         unnest(string_split(schema_drift, '; ')) AS change
  FROM audit.snapshots
  WHERE schema_drift IS NOT NULL AND schema_drift <> '';

-- The daily checks: one row per day (audit.window_day) per finished
-- reconcile run (ok or findings) that judged windows of that day, with
-- when it ran and what it found there. Which of them counts as the day's
-- inspection, and whether in time, is pipelines.InspectionLog's rule.
CREATE OR REPLACE VIEW audit.daily_checks AS
  SELECT audit.window_day(x.window_end) AS day, x.run_id, u.started_at, u.finished_at,
         count(*) AS windows,
         count(*) FILTER (WHERE x.status = 'ok') AS ok,
         count(*) FILTER (WHERE x.status = 'pending') AS pending,
         count(*) FILTER (WHERE x.status = 'late') AS late,
         count(*) FILTER (WHERE x.status IN ('missed', 'stale')) AS missed,
         count(*) FILTER (WHERE x.status IN ('short', 'excess', 'duplicate', 'failed', 'mismatch')) AS other,
         count(*) FILTER (WHERE x.status = 'unverifiable') AS unverifiable
  FROM audit.results x JOIN audit.runs u ON u.run_id = x.run_id
  WHERE u.command = 'reconcile' AND u.status IN ('ok', 'findings') AND u.finished_at IS NOT NULL
  GROUP BY ALL;

-- The latest results (audit.latest_results) of the windows ending in
-- (lo, hi], summed up per target × resource × day: windows due (not
-- pending), ok, late, missed (missed or stale), other findings (short,
-- excess, duplicate, failed, mismatch), unverifiable, complete (ok or
-- late) and judged (neither pending nor unverifiable); the rows expected,
-- claimed and received over the windows judged with counts (not pending,
-- not unverifiable), and the rows delivered: per window at most the
-- expected (an excess does not make up for a shortfall elsewhere); the
-- windows at which nothing arrived (missed, stale, failed), as lists of
-- their starts and ends in the same order. A report computes this once
-- (a temporary table) and sums it up as it needs.
CREATE OR REPLACE MACRO audit.latest_daily(lo, hi) AS TABLE
  SELECT target, resource, day,
         count(*) FILTER (WHERE status <> 'pending') AS windows_due,
         count(*) FILTER (WHERE status = 'ok') AS windows_ok,
         count(*) FILTER (WHERE status = 'late') AS windows_late,
         count(*) FILTER (WHERE status IN ('missed', 'stale')) AS windows_missed,
         count(*) FILTER (WHERE status IN ('short', 'excess', 'duplicate', 'failed', 'mismatch')) AS windows_other,
         count(*) FILTER (WHERE status = 'unverifiable') AS windows_unverifiable,
         count(*) FILTER (WHERE status IN ('ok', 'late')) AS windows_complete,
         count(*) FILTER (WHERE status NOT IN ('pending', 'unverifiable')) AS windows_judged,
         coalesce(sum(expected) FILTER (WHERE status NOT IN ('pending', 'unverifiable')), 0)::BIGINT AS rows_expected,
         coalesce(sum(claimed) FILTER (WHERE status NOT IN ('pending', 'unverifiable')), 0)::BIGINT AS rows_claimed,
         coalesce(sum(received) FILTER (WHERE status NOT IN ('pending', 'unverifiable')), 0)::BIGINT AS rows_received,
         coalesce(sum(least(coalesce(received, 0), expected)) FILTER (WHERE status NOT IN ('pending', 'unverifiable')), 0)::BIGINT AS rows_delivered,
         coalesce(list(window_start ORDER BY window_start, window_end) FILTER (WHERE status IN ('missed', 'stale', 'failed')), []) AS outage_starts,
         coalesce(list(window_end ORDER BY window_start, window_end) FILTER (WHERE status IN ('missed', 'stale', 'failed')), []) AS outage_ends
  FROM audit.latest_results(lo, hi)
  GROUP BY ALL;

-- The push volumes per target × resource × month of rel, a relation of
-- audit.latest_daily's columns by name (a table, a view or a CTE).
CREATE OR REPLACE MACRO audit.volumes_of(rel) AS TABLE
  SELECT target, resource, CAST(date_trunc('month', day) AS DATE) AS month,
         sum(windows_due)::BIGINT AS windows_due,
         sum(windows_complete)::BIGINT AS windows_complete,
         sum(windows_unverifiable)::BIGINT AS windows_unverifiable,
         sum(rows_expected)::BIGINT AS rows_expected,
         sum(rows_claimed)::BIGINT AS rows_claimed,
         sum(rows_received)::BIGINT AS rows_received,
         sum(rows_delivered)::BIGINT AS rows_delivered
  FROM query_table(rel)
  GROUP BY ALL;

-- The push volumes (audit.volumes_of) of the latest results of the
-- windows ending in (lo, hi].
CREATE OR REPLACE MACRO audit.monthly_volumes(lo, hi) AS TABLE
  WITH daily AS (SELECT * FROM audit.latest_daily(lo, hi))
  SELECT * FROM audit.volumes_of(daily);
