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
