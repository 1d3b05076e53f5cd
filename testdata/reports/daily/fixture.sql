-- Fixture of the daily workbook test: day 2026-11-21 (Asia/Shanghai wall
-- clock, as every TIMESTAMP of the warehouse). Run 20261122T001000-reconcile
-- is the one reported; the others must not show.

INSERT INTO audit.runs (run_id, command, started_at, finished_at, status, args, message, host, version) VALUES
 ('20261121T230000.000-reconcile', 'reconcile', '2026-11-21 23:00:00', '2026-11-21 23:02:00', 'findings', 'reconcile', NULL, 'testhost', 'v0.1'),
 ('20261122T000500.000-snapshot',  'snapshot',  '2026-11-22 00:05:00', '2026-11-22 00:06:00', 'ok',       'snapshot',  NULL, 'testhost', 'v0.1'),
 ('20261122T001000.000-reconcile', 'reconcile', '2026-11-22 00:10:00', '2026-11-22 00:12:30', 'findings', 'reconcile', NULL, 'testhost', 'v0.1'),
 ('20261122T001500.000-snapshot',  'snapshot',  '2026-11-22 00:15:00', '2026-11-22 00:16:00', 'ok',       'snapshot',  NULL, 'testhost', 'v0.1'),
 ('20261122T002000.000-reconcile', 'reconcile', '2026-11-22 00:20:00', NULL,                  'running',  'reconcile', NULL, 'testhost', 'v0.1');

-- Snapshots: the one before the reported run (00:05) is shown; the later
-- one (00:15) and a failed one are not.
INSERT INTO audit.snapshots (run_id, source, table_name, policy, rows_loaded, rows_source, started_at, finished_at, status, replica_lag_s, snapshot_at, read_mode) VALUES
 ('20261121T230000.000-snapshot', 'exchange', 'push_log', 'append', 10, 10, '2026-11-21 22:55:00', '2026-11-21 22:56:00', 'ok', 0.2, '2026-11-21 22:55:01', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'biz', 'cases', 'incremental', 11300, 11300, '2026-11-22 00:05:00', '2026-11-22 00:05:40', 'ok', 0.8, '2026-11-22 00:05:01', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'biz', 'grids', 'full', 500, 500, '2026-11-22 00:05:00', '2026-11-22 00:05:10', 'ok', 1.2, '2026-11-22 00:05:01', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'stats', 'stat_cases', 'incremental', 11300, 11300, '2026-11-22 00:05:00', '2026-11-22 00:05:30', 'ok', NULL, '2026-11-22 00:05:02', 'consistent snapshot, read only'),
 ('20261122T000500.000-snapshot', 'exchange', 'push_log', 'append', 900, 900, '2026-11-22 00:05:00', '2026-11-22 00:05:20', 'failed', 0.3, '2026-11-22 00:05:03', 'consistent snapshot, read only'),
 ('20261122T001500.000-snapshot', 'biz', 'cases', 'incremental', 11310, 11310, '2026-11-22 00:15:00', '2026-11-22 00:15:40', 'ok', 0.5, '2026-11-22 00:15:01', 'consistent snapshot, read only');

INSERT INTO audit.results (run_id, target, resource, window_start, window_end, deadline, status, expected, claimed, received, missing_keys, extra_keys, duplicate_keys, mismatched, last_push_at, fault_level, detail) VALUES
 -- the earlier run: must not show
 ('20261121T230000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'missed', 12, 0, 0, 12, 0, 0, 0, NULL, 2, 'earlier run'),
 -- the running run: must not show
 ('20261122T002000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'failed', 12, 12, 0, 12, 0, 0, 0, NULL, 1, 'running run'),
 -- ends at the day's 00:00: belongs to 2026-11-20, must not show
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 23:50:00', '2026-11-21 00:00:00', '2026-11-21 00:10:00', 'missed', 3, 0, 0, 3, 0, 0, 0, NULL, 2, 'previous day'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'ok', 12, 12, 12, 0, 0, 0, 0, '2026-11-21 00:11:02', NULL, NULL),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', '2026-11-21 00:20:00', '2026-11-21 00:30:00', 'missed', 5, 0, 0, 5, 0, 0, 0, NULL, 2, '窗口内无推送记录'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:20:00', '2026-11-21 00:30:00', '2026-11-21 00:40:00', 'short', 10, 10, 7, 3, 0, 0, 0, '2026-11-21 00:31:10', 3, '前置机缺 3 条'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:30:00', '2026-11-21 00:40:00', '2026-11-21 00:50:00', 'excess', 5, 5, 6, 0, 1, 0, 0, '2026-11-21 00:41:00', 4, '前置机多 1 条'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:40:00', '2026-11-21 00:50:00', '2026-11-21 01:00:00', 'duplicate', 5, 6, 6, 0, 0, 1, 0, '2026-11-21 00:51:00', 4, '同一案件推送 2 次'),
 -- ends at the next day's 00:00: the day's last window, shows
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 23:50:00', '2026-11-22 00:00:00', '2026-11-22 00:10:00', 'pending', 9, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_dispatch', '2026-11-21 10:00:00', '2026-11-21 10:30:00', '2026-11-21 11:00:00', 'late', 30, 30, 30, 0, 0, 0, 0, '2026-11-21 11:12:00', 4, '推送完成于 11:12，晚于截止时间 11:00'),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_dispatch', '2026-11-21 10:30:00', '2026-11-21 11:00:00', '2026-11-21 11:30:00', 'failed', 20, 20, 0, 20, 0, 0, 0, '2026-11-21 11:05:00', 1, '推送日志记录失败：connection reset & retry exhausted'),
 ('20261122T001000.000-reconcile', 'city_gov', 'eval_daily', '2026-11-20 23:00:00', '2026-11-21 23:00:00', '2026-11-22 06:00:00', 'pending', 1, NULL, NULL, 0, 0, 0, 0, NULL, NULL, '截止时间未到'),
 ('20261122T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-21 08:00:00', '2026-11-21 09:00:00', '2026-11-21 10:00:00', 'ok', 1234, 1234, 1234, 0, 0, 0, 0, '2026-11-21 09:05:00', NULL, NULL),
 ('20261122T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-21 09:00:00', '2026-11-21 10:00:00', '2026-11-21 11:00:00', 'mismatch', 2, 2, 2, 0, 0, 0, 1, '2026-11-21 10:05:00', 3, '1 个区县的立案数不符'),
 ('20261122T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-21 10:00:00', '2026-11-21 11:00:00', '2026-11-21 12:00:00', 'unverifiable', NULL, 2, 2, 0, 0, 0, 0, '2026-11-21 11:05:00', NULL, '从库延迟 900 秒，超过窗口长度'),
 ('20261122T001000.000-reconcile', 'chenghua', 'case_handle', '2026-11-21 14:00:00', '2026-11-21 15:00:00', '2026-11-21 16:00:00', 'stale', 40, 0, 0, 40, 0, 0, 0, NULL, 2, '已 3 小时无推送'),
 ('20261122T001000.000-reconcile', 'chenghua', 'case_handle', '2026-11-21 15:00:00', '2026-11-21 16:00:00', '2026-11-21 17:00:00', 'ok', 15, 15, 15, 0, 0, 0, 0, '2026-11-21 16:02:00', NULL, NULL),
 ('20261122T001000.000-reconcile', 'stats', 'c_report', '2026-11-21 00:00:00', '2026-11-22 00:00:00', '2026-11-22 06:00:00', 'mismatch', 11300, NULL, 11296, 0, 0, 0, 4, NULL, 3, '4 个网格的上报数不符'),
 ('20261122T001000.000-reconcile', 'stats', 'c_file', '2026-11-21 00:00:00', '2026-11-22 00:00:00', '2026-11-22 06:00:00', 'ok', 11000, NULL, 11000, 0, 0, 0, 0, NULL, NULL, NULL);

INSERT INTO audit.result_keys VALUES
 ('20261121T230000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:00:00', 'missing', 'old-run', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-20 23:50:00', 'missing', 'previous-day', 1),
 -- 5 keys, capped at 3 in the test: a note row follows
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', 'missing', '510104202611210005', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', 'missing', '510104202611210001', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', 'missing', '510104202611210003', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', 'missing', '510104202611210002', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:10:00', 'missing', '510104202611210004', 1),
 -- exactly 3: no note
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:20:00', 'missing', '510108202611210011', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:20:00', 'missing', '510108202611210012', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:20:00', 'missing', '510108202611210013', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:30:00', 'extra', '510108202611219999', 1),
 ('20261122T001000.000-reconcile', 'city_gov', 'case_report', '2026-11-21 00:40:00', 'duplicate', '510106202611210042', 2),
 ('20261122T001000.000-reconcile', 'ministry', 'case_stats', '2026-11-21 09:00:00', 'mismatch', '2026-11-21|510108|成华区', 1),
 ('20261122T001000.000-reconcile', 'stats', 'c_report', '2026-11-21 00:00:00', 'mismatch', '510108001|2026-11-21', 1);

INSERT INTO audit.findings (finding_id, target, resource, window_start, window_end, status, fault_level, first_seen, last_seen, first_run_id, last_run_id, resolved_at, resolved_run_id, respond_by, resolve_by, expected, received, detail) VALUES
 -- open, past its resolve-by time: 否
 ('f-missed-0010', 'city_gov', 'case_report', '2026-11-21 00:10:00', '2026-11-21 00:20:00', 'missed', 2, '2026-11-21 00:30:00', '2026-11-22 00:12:30', '20261121T003000.000-reconcile', '20261122T001000.000-reconcile', NULL, NULL, '2026-11-21 00:40:00', '2026-11-21 03:30:00', 5, 0, '窗口内无推送记录'),
 -- resolved in time: 是
 ('f-failed-1030', 'city_gov', 'case_dispatch', '2026-11-21 10:30:00', '2026-11-21 11:00:00', 'failed', 1, '2026-11-21 11:40:00', '2026-11-21 12:40:00', '20261121T114000.000-reconcile', '20261121T124000.000-reconcile', '2026-11-21 13:00:00', '20261121T130000.000-reconcile', '2026-11-21 11:45:00', '2026-11-21 13:40:00', 20, 0, NULL),
 -- resolved late: 否
 ('f-stale-1400', 'chenghua', 'case_handle', '2026-11-21 14:00:00', '2026-11-21 15:00:00', 'stale', 2, '2026-11-21 17:00:00', '2026-11-21 17:00:00', '20261121T170000.000-reconcile', '20261121T170000.000-reconcile', '2026-11-21 21:00:00', '20261121T210000.000-reconcile', '2026-11-21 17:10:00', '2026-11-21 20:00:00', 40, 0, NULL),
 -- open, not yet due: 未到期
 ('f-mismatch-0900', 'ministry', 'case_stats', '2026-11-21 09:00:00', '2026-11-21 10:00:00', 'mismatch', 3, '2026-11-22 00:12:30', '2026-11-22 00:12:30', '20261122T001000.000-reconcile', '20261122T001000.000-reconcile', NULL, NULL, '2026-11-22 00:32:30', '2026-11-22 04:12:30', 2, 2, NULL),
 -- an old finding still open at the end of the day: shows
 ('f-old-open', 'chenghua', 'case_handle', '2026-11-15 08:00:00', '2026-11-15 09:00:00', 'short', 3, '2026-11-15 10:00:00', '2026-11-15 10:00:00', '20261115T100000.000-reconcile', '20261115T100000.000-reconcile', NULL, NULL, '2026-11-15 10:20:00', '2026-11-15 14:00:00', 10, 8, NULL),
 -- an old finding resolved long before: does not show
 ('f-old-closed', 'chenghua', 'case_handle', '2026-11-10 08:00:00', '2026-11-10 09:00:00', 'short', 3, '2026-11-10 10:00:00', '2026-11-10 10:00:00', '20261110T100000.000-reconcile', '20261110T100000.000-reconcile', '2026-11-11 09:00:00', '20261111T090000.000-reconcile', '2026-11-10 10:20:00', '2026-11-10 14:00:00', 10, 8, NULL);
