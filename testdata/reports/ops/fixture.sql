-- Fixture of the operations report test: period 2026-11 (Asia/Shanghai
-- wall clock, as every TIMESTAMP of the warehouse), reported at
-- 2026-11-23 07:00, before the month ends. Comments say what each row
-- must (not) do.

INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version) VALUES
 -- failed: not an inspection record
 ('20261119T001000.000-reconcile', 'reconcile', '2026-11-19 00:10:00', '2026-11-19 00:11:00', 'failed',   'reconcile', NULL, 'testhost', 'v0.1'),
 ('20261121T001000.000-reconcile', 'reconcile', '2026-11-21 00:10:00', '2026-11-21 00:12:00', 'findings', 'reconcile', NULL, 'testhost', 'v0.1'),
 ('20261122T001000.000-reconcile', 'reconcile', '2026-11-22 00:10:00', '2026-11-22 00:12:00', 'findings', 'reconcile', NULL, 'testhost', 'v0.1'),
 -- still running: its results never count
 ('20261122T002000.000-reconcile', 'reconcile', '2026-11-22 00:20:00', NULL,                  'running',  'reconcile', NULL, 'testhost', 'v0.1');

INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, fault_level, detail) VALUES
 -- ends at 2026-11-01 00:00: belongs to October
 ('20261121T001000.000-reconcile', 'city_gov', 'case_report', '2026-10-31 23:50:00', '2026-11-01 00:00:00', '2026-11-01 00:10:00', 'missed', 3, 0, 0, 3, 'october'),
 ('20261119T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-18 10:00:00', '2026-11-18 10:10:00', '2026-11-18 10:20:00', 'ok', 5, 5, 5, NULL, 'failed run, still the latest result of its window'),
 ('20261121T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 10:00:00', '2026-11-20 10:10:00', '2026-11-20 10:20:00', 'ok', 5, 5, 5, NULL, NULL),
 ('20261121T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 10:10:00', '2026-11-20 10:20:00', '2026-11-20 10:30:00', 'missed', 4, 0, 0, 3, NULL),
 ('20261121T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 10:20:00', '2026-11-20 10:30:00', '2026-11-20 10:40:00', 'late', 6, 6, 6, 4, NULL),
 ('20261121T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-20 08:00:00', '2026-11-20 09:00:00', '2026-11-20 10:00:00', 'short', 100, 100, 90, 3, NULL),
 ('20261121T001000.000-reconcile', 'chenghua', 'case_handle', '2026-11-20 14:00:00', '2026-11-20 15:00:00', '2026-11-20 16:00:00', 'stale', 40, 0, 0, 2, NULL),
 ('20261121T001000.000-reconcile', 'chenghua', 'case_handle', '2026-11-20 15:00:00', '2026-11-20 16:00:00', '2026-11-20 17:00:00', 'stale', 30, 0, 0, 2, NULL),
 -- superseded by the later run (ok)
 ('20261121T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'missed', 7, 0, 0, 3, 'superseded'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'ok', 7, 7, 7, NULL, NULL),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', '2026-11-21 00:20:00', '2026-11-21 00:30:00', 'unverifiable', NULL, 3, 3, NULL, NULL),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 23:50:00', '2026-11-22 00:00:00', '2026-11-22 00:10:00', 'pending', 2, 0, 0, NULL, NULL),
 ('20261122T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-21 08:00:00', '2026-11-21 09:00:00', '2026-11-21 10:00:00', 'ok', 80, 80, 80, NULL, NULL),
 ('20261122T001000.000-reconcile', 'stats', 'c_report', '2026-11-21 00:00:00', '2026-11-22 00:00:00', '2026-11-22 06:00:00', 'mismatch', 300, NULL, 296, 1, NULL),
 -- the running run: must not count
 ('20261122T002000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 10:00:00', '2026-11-20 10:10:00', '2026-11-20 10:20:00', 'failed', 5, 5, 0, 3, 'running run');

INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level, first_seen, last_seen, first_run_id, last_run_id, resolved_at, resolved_run_id, respond_by, resolve_by, expected, received, detail) VALUES
 -- level 3, resolved in time after 2 h
 ('f-missed', 'city_gov', 'case_report', '2026-11-20 10:10:00', '2026-11-20 10:20:00', 'missed', 3, '2026-11-21 00:10:00', '2026-11-21 00:10:00', 'r', 'r', '2026-11-21 02:10:00', 'r', '2026-11-21 00:30:00', '2026-11-21 04:10:00', 4, 0, NULL),
 -- level 4, resolved late after 6 h: -1
 ('f-late', 'city_gov', 'case_report', '2026-11-20 10:20:00', '2026-11-20 10:30:00', 'late', 4, '2026-11-21 00:10:00', '2026-11-21 00:10:00', 'r', 'r', '2026-11-21 06:10:00', 'r', '2026-11-21 00:40:00', '2026-11-21 05:10:00', 6, 6, NULL),
 -- level 3, open past its limit: -1
 ('f-short', 'ministry', 'case_stats', '2026-11-20 08:00:00', '2026-11-20 09:00:00', 'short', 3, '2026-11-21 00:10:00', '2026-11-22 00:10:00', 'r', 'r', NULL, NULL, '2026-11-21 00:30:00', '2026-11-21 04:10:00', 100, 90, NULL),
 -- level 2, open, not yet due
 ('f-stale-14', 'chenghua', 'case_handle', '2026-11-20 14:00:00', '2026-11-20 15:00:00', 'stale', 2, '2026-11-23 06:55:00', '2026-11-23 06:55:00', 'r', 'r', NULL, NULL, '2026-11-23 07:05:00', '2026-11-23 09:55:00', 40, 0, NULL),
 -- level 2, resolved in time after 1 h
 ('f-stale-15', 'chenghua', 'case_handle', '2026-11-20 15:00:00', '2026-11-20 16:00:00', 'stale', 2, '2026-11-21 00:10:00', '2026-11-21 00:10:00', 'r', 'r', '2026-11-21 01:10:00', 'r', '2026-11-21 00:20:00', '2026-11-21 03:10:00', 30, 0, NULL),
 -- level 1 (stats), resolved late: -3
 ('f-stats', 'stats', 'c_report', '2026-11-21 00:00:00', '2026-11-22 00:00:00', 'mismatch', 1, '2026-11-22 00:10:00', '2026-11-22 00:10:00', 'r', 'r', '2026-11-22 03:00:00', 'r', '2026-11-22 00:15:00', '2026-11-22 02:10:00', 300, 296, NULL),
 -- October: not in the period
 ('f-october', 'city_gov', 'case_report', '2026-10-31 23:50:00', '2026-11-01 00:00:00', 'missed', 3, '2026-11-01 00:10:00', '2026-11-01 00:10:00', 'r', 'r', NULL, NULL, '2026-11-01 00:30:00', '2026-11-01 04:10:00', 3, 0, NULL);

-- Responses (pushaudit ack). In time: f-missed, f-stale-15, f-stats.
-- Late: f-late (answered after respond_by: -1) and f-short (no response,
-- respond_by passed: -1). f-stale-14: none, respond_by after the report's
-- now (2026-11-23 07:00): not recorded.
UPDATE audit.findings SET responded_at = TIMESTAMP '2026-11-21 00:20:00', responded_by = 'duty' WHERE finding_id = 'f-missed';
UPDATE audit.findings SET responded_at = TIMESTAMP '2026-11-21 00:50:00', responded_by = 'duty', response_note = 'late' WHERE finding_id = 'f-late';
UPDATE audit.findings SET responded_at = TIMESTAMP '2026-11-21 00:15:00', responded_by = 'duty' WHERE finding_id = 'f-stale-15';
UPDATE audit.findings SET responded_at = TIMESTAMP '2026-11-22 00:12:00', responded_by = 'duty' WHERE finding_id = 'f-stats';

INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, rows_source, started_at, finished_at, status, replica_lag_s, snapshot_at, read_mode) VALUES
 ('20261031T230000.000-snapshot', 'biz', 'cases', 'incremental', 999, 999, '2026-10-31 23:00:00', '2026-10-31 23:01:00', 'ok', 9.0, '2026-10-31 23:00:01', 'consistent snapshot, read only'),
 ('20261121T000500.000-snapshot', 'biz', 'cases', 'incremental', 1000, 1000, '2026-11-21 00:05:00', '2026-11-21 00:05:40', 'ok', 0.8, '2026-11-21 00:05:01', 'consistent snapshot, read only'),
 ('20261121T000500.000-snapshot', 'biz', 'regions', 'full', 30, 30, '2026-11-21 00:05:00', '2026-11-21 00:05:10', 'ok', 1.2, '2026-11-21 00:05:01', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'biz', 'cases', 'incremental', 1100, 1101, '2026-11-22 00:05:00', '2026-11-22 00:05:40', 'ok', 0.4, '2026-11-22 00:05:01', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'biz', 'regions', 'full', 30, 30, '2026-11-22 00:05:00', '2026-11-22 00:05:10', 'failed', NULL, NULL, 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'stats', 'case_eval', 'incremental', 500, 500, '2026-11-22 00:06:00', '2026-11-22 00:06:30', 'ok', NULL, '2026-11-22 00:06:01', 'consistent snapshot, read only');

INSERT INTO audit.snapshot_anomalies VALUES
 ('20261122T000500.000-snapshot', 'biz', 'cases', 'close_time', 'zero_date', 3, '0000-00-00 00:00:00'),
 ('20261031T230000.000-snapshot', 'biz', 'cases', 'close_time', 'zero_date', 50, '0000-00-00 00:00:00');

-- The snapshotted sources, only the columns the report reads.
CREATE SCHEMA IF NOT EXISTS biz;
CREATE SCHEMA IF NOT EXISTS stats;
CREATE TABLE biz.regions (id BIGINT, code VARCHAR, name VARCHAR, level TINYINT, parent_id BIGINT);
INSERT INTO biz.regions VALUES
 (1, '510104', '锦江区', 1, NULL), (2, '510105', '青羊区', 1, NULL), (3, '510108', '成华区', 1, NULL),
 (101, '510104001', '春熙路街道', 2, 1);
CREATE TABLE biz.cases (id BIGINT, district_id BIGINT, stage_id TINYINT, report_time TIMESTAMP, file_time TIMESTAMP,
  dispatch_time TIMESTAMP, handle_time TIMESTAMP, handle_deadline TIMESTAMP, close_time TIMESTAMP, close_deadline TIMESTAMP);
INSERT INTO biz.cases VALUES
 (1, 1, 6, '2026-11-20 09:00:00', '2026-11-20 09:10:00', '2026-11-20 09:20:00', '2026-11-20 12:00:00', '2026-11-20 17:00:00', '2026-11-20 13:00:00', '2026-11-20 18:00:00'),
 (2, 1, 6, '2026-11-20 10:00:00', '2026-11-20 10:10:00', '2026-11-20 10:20:00', '2026-11-21 12:00:00', '2026-11-20 17:00:00', '2026-11-21 13:00:00', '2026-11-20 18:00:00'),
 (3, 1, 4, '2026-11-21 10:00:00', '2026-11-21 10:10:00', '2026-11-21 10:20:00', NULL, '2026-11-21 17:00:00', NULL, '2026-11-21 18:00:00'),
 (4, 3, 1, '2026-11-22 10:00:00', NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 2, 6, '2026-10-30 10:00:00', '2026-10-30 10:10:00', '2026-10-30 10:20:00', '2026-10-30 12:00:00', '2026-10-30 17:00:00', '2026-10-30 13:00:00', '2026-10-30 18:00:00');
CREATE TABLE stats.case_eval (case_id BIGINT, stat_date DATE, district_id BIGINT,
  report_cnt INT, file_cnt INT, dispatch_cnt INT, handle_cnt INT, close_cnt INT, need_close_cnt INT, ontime_close_cnt INT, overdue_unhandled_cnt INT);
INSERT INTO stats.case_eval VALUES
 -- 锦江区: 3 reported, 3 filed and dispatched, 2 handled, 2 closed (1 late), 1 overdue unhandled: to close 3
 (1, '2026-11-20', 1, 1, 1, 1, 1, 1, 1, 1, 0),
 (2, '2026-11-20', 1, 1, 1, 1, 1, 1, 1, 0, 0),
 (3, '2026-11-21', 1, 1, 1, 1, 0, 0, 1, 0, 1),
 -- 成华区: reported, not yet filed; nothing to close: rates blank
 (4, '2026-11-22', 3, 1, 0, 0, 0, 0, 0, 0, 0),
 -- October (青羊区): only in the quarter and the year
 (5, '2026-10-30', 2, 1, 1, 1, 1, 1, 1, 1, 0);
