-- Front-end database (前置机) fe_ministry of ministry 国家住建部 (Ministry of Housing and Urban-Rural Development).
-- One evidence table per pushed resource: the resource's columns, then the
-- batch that carried the row and when it arrived.
-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.
-- Regenerate with: go test ./schemas -run TestFrontendDDL -update

CREATE TABLE component_stats (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  main_code       VARCHAR(16) NULL COMMENT '部件大类代码',
  main_name       VARCHAR(64) NULL COMMENT '部件大类名称',
  sub_code        VARCHAR(16) NULL COMMENT '部件小类代码',
  sub_name        VARCHAR(64) NULL COMMENT '部件小类名称',
  component_count INT NULL COMMENT '部件数量',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (sub_code)
) COMMENT='部件统计数据';

CREATE TABLE grid_stats (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_code   VARCHAR(12) NULL COMMENT '行政区划',
  area_km2        DECIMAL(10,2) NULL COMMENT '覆盖面积(单位/平方公里)',
  unit_grid_count INT NULL COMMENT '单元网格数量',
  resp_grid_count INT NULL COMMENT '责任网格数量',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_code)
) COMMENT='网格统计数据';

CREATE TABLE personnel_stats (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name VARCHAR(64) NULL COMMENT '行政区',
  team_kind     VARCHAR(16) NULL COMMENT '队伍性质',
  staff_type    VARCHAR(16) NULL COMMENT '人员类型',
  staff_count   INT NULL COMMENT '人员数量',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name, team_kind, staff_type)
) COMMENT='人员统计数据';

CREATE TABLE department (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name VARCHAR(64) NULL COMMENT '行政区',
  dept_code     VARCHAR(32) NULL COMMENT '部门代码',
  dept_name     VARCHAR(128) NULL COMMENT '部门名称',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (dept_code)
) COMMENT='部门数据';

CREATE TABLE case_source_stats (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name VARCHAR(64) NULL COMMENT '行政区',
  collector_cnt INT NULL COMMENT '信息采集员发现案件数',
  citizen_cnt   INT NULL COMMENT '市民反映案件数',
  smart_cnt     INT NULL COMMENT '智能发现案件数',
  other_cnt     INT NULL COMMENT '其他',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name)
) COMMENT='案件来源统计';

CREATE TABLE case_category_stats (
  fe_row_id          BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name      VARCHAR(64) NULL COMMENT '行政区',
  component_main_cnt INT NULL COMMENT '部件大类案件数',
  component_sub_cnt  INT NULL COMMENT '部件小类案件数',
  event_main_cnt     INT NULL COMMENT '事件大类案件数',
  event_sub_cnt      INT NULL COMMENT '事件小类案件数',
  batch_id           VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at         DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name)
) COMMENT='案件类别统计';

CREATE TABLE case_status_stats (
  fe_row_id        BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name    VARCHAR(64) NULL COMMENT '行政区',
  report_date      DATE NULL COMMENT '上报时间',
  report_cnt       INT NULL COMMENT '上报数',
  file_cnt         INT NULL COMMENT '立案数',
  ontime_close_cnt INT NULL COMMENT '按时结案数',
  close_cnt        INT NULL COMMENT '结案数',
  batch_id         VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at       DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name, report_date)
) COMMENT='案件状态统计';

CREATE TABLE region_case_stats (
  fe_row_id        BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name    VARCHAR(64) NULL COMMENT '行政区',
  need_handle_cnt  INT NULL COMMENT '应处置数',
  handle_cnt       INT NULL COMMENT '处置数',
  ontime_close_cnt INT NULL COMMENT '按期结案数',
  close_cnt        INT NULL COMMENT '结案数',
  batch_id         VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at       DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name)
) COMMENT='区域案件统计';

CREATE TABLE dept_case_stats (
  fe_row_id         BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  district_name     VARCHAR(64) NULL COMMENT '行政区',
  dept_name         VARCHAR(128) NULL COMMENT '处置部门',
  need_handle_cnt   INT NULL COMMENT '应处置数',
  handle_cnt        INT NULL COMMENT '处置数',
  ontime_handle_cnt INT NULL COMMENT '按期处置数',
  rework_cnt        INT NULL COMMENT '返工数',
  batch_id          VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at        DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name, dept_name)
) COMMENT='部门案件统计';
