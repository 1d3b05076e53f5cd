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
  policy           VARCHAR NOT NULL,  -- incremental | append
  watermark_column VARCHAR NOT NULL,
  watermark        VARCHAR,           -- as the source prints it; NULL when the table was empty
  signature        VARCHAR NOT NULL,  -- table definition; a change forces a full load
  keys_checked_at  TIMESTAMP,         -- last key-set comparison (deletions), Asia/Shanghai
  run_id           VARCHAR NOT NULL,
  PRIMARY KEY (source, table_name)
);
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

-- Responses to findings (pushaudit ack), additive: when someone responded,
-- who, and what they noted; respond_by is the limit it is held against.
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS responded_at TIMESTAMP;  -- Asia/Shanghai wall clock; NULL: no response yet
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS responded_by VARCHAR;
ALTER TABLE audit.findings ADD COLUMN IF NOT EXISTS response_note VARCHAR;

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
CREATE OR REPLACE MACRO audit.latest_results(lo, hi) AS TABLE
  SELECT x.*, audit.window_day(x.window_end) AS day
  FROM audit.results x
  LEFT JOIN audit.runs u ON u.run_id = x.run_id
  WHERE coalesce(u.status, '') <> 'running'
    AND x.window_end > lo AND x.window_end <= hi
  QUALIFY row_number() OVER (PARTITION BY x.target, x.resource, x.window_start
                             ORDER BY u.started_at DESC NULLS LAST, x.run_id DESC) = 1;

-- One row per source per snapshot run: whether every table loaded ok,
-- the source time it shows (the earliest consistent snapshot of its
-- tables), the worst replica lag, the time its data are complete to (the
-- snapshot time less the lag: a replica 2 hours behind holds the primary
-- of 2 hours ago), and when its last table finished.
CREATE OR REPLACE VIEW audit.source_snapshots AS
  SELECT run_id, source,
         bool_and(status = 'ok') AS all_ok,
         min(coalesce(snapshot_at, started_at)) AS snapshot_at,
         max(replica_lag_s) AS replica_lag_s,
         max(snapshot_at - to_microseconds(CAST(coalesce(replica_lag_s, 0) * 1000000 AS BIGINT))) AS complete_to,
         max(coalesce(finished_at, started_at)) AS finished_at
  FROM audit.snapshots
  GROUP BY run_id, source;

-- The sources whose latest snapshot run (by run id) loaded every table
-- ok, with the time their data are complete to: what a reconciliation
-- may trust.
CREATE OR REPLACE VIEW audit.trusted_sources AS
  SELECT source, complete_to FROM (
    SELECT source, complete_to, all_ok,
           row_number() OVER (PARTITION BY source ORDER BY run_id DESC) AS rn
    FROM audit.source_snapshots)
  WHERE rn = 1 AND all_ok;

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
         r.all_ok AND (w.run_id IS NULL OR w.run_id < l.run_id) AS trusted,
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
