-- A handful of business rows so that every resource query of the catalog
-- returns something for the test windows around 2026-11-27 10:05 (+08:00):
-- daily [2026-11-26 23:00, 2026-11-27 23:00), hourly [10:00, 11:00),
-- every 30 min [10:00, 10:30), every 10 min [10:00, 10:10).
-- Portable SQL: it runs on DuckDB, MariaDB and go-mysql-server. Schema
-- names biz. and stats. are rewritten for servers that use other names.

INSERT INTO biz.regions (id, code, name, level, parent_id, area_km2, central) VALUES
  (1, '510108', '成华区', 1, NULL, 110.60, 1),
  (2, '510182', '彭州市', 1, NULL, 1421.00, 0),
  (3, '510113', '青白江区', 1, NULL, 378.94, 0),
  (11, '510108001', '猛追湾街道', 2, 1, 5.10, 1),
  (21, '510182001', '天彭街道', 2, 2, 40.20, 0),
  (31, '510113001', '大弯街道', 2, 3, 30.00, 0),
  (111, '510108001001', '测试社区甲', 3, 11, 1.20, 1),
  (211, '510182001001', '测试社区乙', 3, 21, 3.40, 0),
  (311, '510113001001', '测试社区丙', 3, 31, 2.10, 0);

INSERT INTO biz.resp_grids (id, code, name, district_id, street_id) VALUES
  (1101, 'RG51010800101', '成华责任网格01', 1, 11),
  (2101, 'RG51018200101', '彭州责任网格01', 2, 21),
  (3101, 'RG51011300101', '青白江责任网格01', 3, 31);

INSERT INTO biz.unit_grids (id, code, name, community_id, street_id, district_id, resp_grid_id, area_km2) VALUES
  (11101, '51010800100101', '成华单元网格0101', 111, 11, 1, 1101, 0.0100),
  (11102, '51010800100102', '成华单元网格0102', 111, 11, 1, 1101, 0.0100),
  (21101, '51018200100101', '彭州单元网格0101', 211, 21, 2, 2101, 0.0100),
  (31101, '51011300100101', '青白江单元网格0101', 311, 31, 3, 3101, 0.0100);

INSERT INTO biz.departments (id, code, name, parent_id, district_id, level_id, kind) VALUES
  (1, 'D510100', '市数字化城管中心', NULL, NULL, 1, '指挥中心'),
  (2, 'D510108', '成华区城管局', 1, 1, 2, '专业部门'),
  (3, 'D510182', '彭州市城管局', 1, 2, 2, '专业部门'),
  (4, 'D510113', '青白江区城管局', 1, 3, 2, '专业部门'),
  (5, 'D510100L', '市路灯管理处', 1, NULL, 1, '专业部门');

INSERT INTO biz.positions (id, name, department_id) VALUES
  (1, '受理员', 1),
  (2, '处置员', 2);

INSERT INTO biz.staff (id, name, position_id, department_id, district_id, phone, team_kind, staff_type) VALUES
  (1, '张受理', 1, 1, NULL, '13800000001', '在编', '受理员'),
  (2, '李处置', 2, 2, 1, '13800000002', '外包', '处置员');

INSERT INTO biz.supervisors (id, name, card_no, phone, type_id, level_id, district_id, resp_grid_id, status) VALUES
  (1, '王监督', 'C0001', '13900000001', 1, 2, 1, 1101, 1),
  (2, '赵监督', 'C0002', '13900000002', 2, 1, 2, 2101, 1),
  (3, '钱采集', 'C0003', '13900000003', 1, 3, 3, 3101, 0);

INSERT INTO biz.categories (id, code, name, level, parent_id, kind, streetlight, waterlogging) VALUES
  (100, 'BJ', '部件问题', 1, NULL, 1, 0, 0),
  (200, 'SJ', '事件问题', 1, NULL, 2, 0, 0),
  (101, '01', '公用设施', 2, 100, 1, 0, 0),
  (10101, '0101', '路灯', 3, 101, 1, 1, 0),
  (10102, '0102', '井盖', 3, 101, 1, 0, 0),
  (1010101, '010101', '路灯不亮', 4, 10101, 1, 1, 0),
  (201, '01', '市容环境', 2, 200, 2, 0, 0),
  (20101, '0101', '道路积水', 3, 201, 2, 0, 1),
  (20102, '0102', '暴露垃圾', 3, 201, 2, 0, 0);

INSERT INTO biz.components (id, code, name, main_code, sub_id, lon, lat, dept_id, owner_id, maint_id, unit_grid_id, district_id, status, init_date, change_date, data_source, remark) VALUES
  (1, '5101080101000001', '路灯', '01', 10101, 104.10000000, 30.66000000, 5, 5, 2, 11101, 1, '完好', '2019-01-01', '2026-06-01', '普查', NULL),
  (2, '5101820102000001', '井盖', '01', 10102, 103.96000000, 30.99000000, 3, 3, 3, 21101, 2, '破损', '2019-01-01', '2026-07-01', '普查', '待修'),
  (3, '5101130101000001', '路灯', '01', 10101, 104.25000000, 30.88000000, 5, 4, 4, 31101, 3, '完好', '2019-01-01', '2026-08-01', '更新', NULL);

INSERT INTO biz.timing_rules (id, series_id, activity_id, file_condition, timing_region_id, limit_minutes) VALUES
  (1, 1, 4, '设施破损', 1, 1440);

INSERT INTO biz.case_sources (id, name) VALUES
  (1, '信息采集员'), (2, '市民'), (3, '智能发现'), (4, '监督员自报自处'), (5, '其他');

INSERT INTO biz.case_stages (id, name) VALUES
  (1, '待受理'), (3, '立案派遣'), (4, '处理中'), (5, '核查结案'), (6, '结案'),
  (7, '作废'), (8, '挂账'), (9, '督查'), (10, '不予受理'), (11, '不予立案');

-- 1001 成华区 streetlight, in disposal; 1002 彭州市 waterlogging, public
-- report, handled late and closed; 1003 青白江区 smart discovery, filed;
-- 1004 成华区, old and overdue; 1005 彭州市 self-handled and closed;
-- 1006 成华区 public report, not accepted.
INSERT INTO biz.cases (id, case_no, task_no, source_id, kind, type_id, main_id, sub_id, detail_id, file_condition, component_code,
  district_id, street_id, community_id, unit_grid_id, resp_grid_id, x, y, address, description, supervisor_id, dept_id,
  urgent, urgent_reason, stage_id, report_time, check_send_time, check_time, check_deadline, accept_time, accept_deadline,
  accept_result, file_time, file_deadline, file_result, dispatch_time, dispatch_deadline, dispatch_correct, handle_deadline,
  handle_time, supervise_time, verify_send_time, verify_time, verify_deadline, close_time, close_deadline, archive_time,
  void_time, rework_count, extension_days, suspended, void_stage_id, updated_at) VALUES
  (1001, 'C202611270001', 'T202611270001', 1, 1, 100, 101, 10101, 1010101, '设施破损', '5101080101000001',
   1, 11, 111, 11101, 1101, 412345.123, 3391234.456, '建设路 1 号', '路灯不亮', 1, 5,
   0, NULL, 4, '2026-11-27 10:02:00', NULL, NULL, NULL, '2026-11-27 10:10:00', '2026-11-27 10:32:00',
   1, '2026-11-27 10:20:00', '2026-11-27 10:50:00', 1, '2026-11-27 10:25:00', '2026-11-27 10:55:00', 1, '2026-11-28 10:25:00',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, 0, 0, 0, NULL, '2026-11-27 10:25:00.000'),
  (1002, 'C202611270002', 'T202611270002', 2, 2, 200, 201, 20101, NULL, '道路积水', NULL,
   2, 21, 211, 21101, 2101, 398765.000, 3421000.500, '天府路 8 号', '道路积水严重', NULL, 3,
   1, '影响通行', 6, '2026-11-27 10:04:00', '2026-11-27 10:06:00', '2026-11-27 10:20:00', '2026-11-27 11:06:00', '2026-11-27 10:25:00', '2026-11-27 10:34:00',
   1, '2026-11-27 10:40:00', '2026-11-27 11:10:00', 1, '2026-11-27 10:45:00', '2026-11-27 11:15:00', 1, '2026-11-27 12:00:00',
   '2026-11-27 14:00:00', '2026-11-27 12:30:00', '2026-11-27 14:10:00', '2026-11-27 15:00:00', '2026-11-27 16:10:00', '2026-11-27 15:30:00', '2026-11-27 18:00:00', '2026-11-27 15:31:00',
   NULL, 1, 0, 0, NULL, '2026-11-27 15:31:00.000'),
  (1003, 'C202611270003', 'T202611270003', 3, 2, 200, 201, 20102, NULL, '暴露垃圾', NULL,
   3, 31, 311, 31101, 3101, 420000.000, 3410000.000, '大弯路 3 号', '垃圾暴露', NULL, NULL,
   0, NULL, 3, '2026-11-27 09:00:00', NULL, NULL, NULL, '2026-11-27 09:05:00', '2026-11-27 09:30:00',
   1, '2026-11-27 09:15:00', '2026-11-27 09:35:00', 1, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, 0, 0, 0, NULL, '2026-11-27 09:15:00.000'),
  (1004, 'C202611200001', 'T202611200001', 1, 1, 100, 101, 10102, NULL, '设施破损', NULL,
   1, 11, 111, 11102, 1101, 412000.000, 3391000.000, '府青路 2 号', '井盖缺失', 1, 2,
   0, NULL, 4, '2026-11-20 08:00:00', NULL, NULL, NULL, '2026-11-20 08:10:00', '2026-11-20 08:30:00',
   1, '2026-11-20 08:20:00', '2026-11-20 08:40:00', 1, '2026-11-20 09:00:00', '2026-11-20 09:20:00', 0, '2026-11-21 09:00:00',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, 1, 3, 0, NULL, '2026-11-22 09:00:00.000'),
  (1005, 'C202611270005', 'T202611270005', 4, 2, 200, 201, 20102, NULL, '暴露垃圾', NULL,
   2, 21, 211, 21101, 2101, 398000.000, 3420000.000, '天彭镇 5 号', '垃圾暴露', 2, 3,
   0, NULL, 6, '2026-11-27 11:00:00', NULL, NULL, NULL, '2026-11-27 11:01:00', '2026-11-27 11:30:00',
   1, '2026-11-27 11:02:00', '2026-11-27 11:32:00', 1, '2026-11-27 11:03:00', '2026-11-27 11:33:00', 1, '2026-11-27 13:03:00',
   '2026-11-27 11:10:00', NULL, '2026-11-27 11:15:00', '2026-11-27 11:20:00', '2026-11-27 13:15:00', '2026-11-27 11:30:00', '2026-11-27 12:00:00', '2026-11-27 11:31:00',
   NULL, 0, 0, 0, NULL, '2026-11-27 11:31:00.000'),
  (1006, 'C202611270006', 'T202611270006', 2, 2, 200, 201, 20102, NULL, NULL, NULL,
   1, 11, 111, 11101, 1101, 412100.000, 3391100.000, '二环路 9 号', '重复举报', NULL, NULL,
   0, NULL, 10, '2026-11-27 12:00:00', NULL, NULL, NULL, '2026-11-27 12:30:00', '2026-11-27 12:30:00',
   0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, 0, 0, 0, NULL, '2026-11-27 12:30:00.000');

INSERT INTO biz.case_activities (id, case_id, seq, stage_id, action_name, operator_id, dept_id, opinion, start_time, end_time) VALUES
  (1, 1001, 1, 1, '上报', NULL, NULL, NULL, '2026-11-27 10:02:00', '2026-11-27 10:10:00'),
  (2, 1001, 2, 3, '立案', 1, 1, '同意立案', '2026-11-27 10:20:00', '2026-11-27 10:25:00'),
  (3, 1001, 3, 4, '派遣', 1, 1, '请及时处置', '2026-11-27 10:25:00', NULL),
  (4, 1002, 1, 1, '上报', NULL, NULL, NULL, '2026-11-27 10:04:00', '2026-11-27 10:25:00'),
  (5, 1002, 2, 6, '结案', 1, 1, '同意结案', '2026-11-27 15:30:00', '2026-11-27 15:31:00');

INSERT INTO biz.media (id, case_id, usage_id, media_type, name, path, created_at) VALUES
  (1, 1001, 1, '图片', '1001_report_1.jpg', '/media/2026/11/27/1001_report_1.jpg', '2026-11-27 10:02:00'),
  (2, 1002, 1, '图片', '1002_report_1.jpg', '/media/2026/11/27/1002_report_1.jpg', '2026-11-27 10:04:00'),
  (3, 1002, 3, '图片', '1002_after_1.jpg', '/media/2026/11/27/1002_after_1.jpg', '2026-11-27 14:00:00');

INSERT INTO biz.supervisor_tracks (id, supervisor_id, upload_time, lon, lat) VALUES
  (1, 1, '2026-11-27 10:01:00', 104.10100000, 30.66100000),
  (2, 2, '2026-11-27 10:03:00', 103.96100000, 30.99100000);

INSERT INTO biz.supervisor_status (id, supervisor_id, status_time, online, x, y, state) VALUES
  (1, 1, '2026-11-27 10:00:00', 1, 412300.000, 3391200.000, '巡查'),
  (2, 2, '2026-11-27 10:00:00', 1, 398700.000, 3421000.000, '上报'),
  (3, 3, '2026-11-27 10:00:00', 0, 420000.000, 3410000.000, '休息'),
  (4, 1, '2026-11-27 10:30:00', 1, 412310.000, 3391210.000, '核查');
