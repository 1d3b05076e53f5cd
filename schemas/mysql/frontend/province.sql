-- Front-end database (前置机) fe_province of province 四川省住建厅 (Sichuan Department of Housing and Urban-Rural Development).
-- One evidence table per pushed resource: the resource's columns, then the
-- batch that carried the row and when it arrived.
-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.
-- Regenerate with: go test ./schemas -run TestFrontendDDL -update

CREATE TABLE case_basic (
  fe_row_id           BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_id             BIGINT NULL COMMENT '问题唯一标识',
  task_no             VARCHAR(32) NULL COMMENT '任务号',
  source_id           TINYINT NULL COMMENT '问题来源ID',
  source_name         VARCHAR(32) NULL COMMENT '问题来源',
  type_code           VARCHAR(16) NULL COMMENT '问题类型代码',
  type_name           VARCHAR(64) NULL COMMENT '问题类型',
  main_code           VARCHAR(16) NULL COMMENT '大类代码',
  main_name           VARCHAR(64) NULL COMMENT '大类名称',
  sub_code            VARCHAR(16) NULL COMMENT '小类代码',
  sub_name            VARCHAR(64) NULL COMMENT '小类名称',
  file_condition_code VARCHAR(16) NULL COMMENT '立案条件代码',
  file_condition      VARCHAR(64) NULL COMMENT '立案条件',
  component_code      VARCHAR(32) NULL COMMENT '部件编码',
  district_name       VARCHAR(64) NULL COMMENT '区名称',
  street_name         VARCHAR(64) NULL COMMENT '街道名称',
  community_name      VARCHAR(64) NULL COMMENT '社区名称',
  unit_grid_code      VARCHAR(32) NULL COMMENT '单元网格编码',
  stage_name          VARCHAR(32) NULL COMMENT '问题状态',
  address             VARCHAR(255) NULL COMMENT '位置描述',
  description         VARCHAR(512) NULL COMMENT '问题描述',
  x                   DECIMAL(12,3) NULL COMMENT 'X坐标',
  y                   DECIMAL(12,3) NULL COMMENT 'Y坐标',
  report_time         DATETIME NULL COMMENT '案件建立时间',
  batch_id            VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at          DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='案件基本信息';
