-- Front-end database (前置机) fe_qingbaijiang of qingbaijiang 青白江区 (Qingbaijiang District).
-- One evidence table per pushed resource: the resource's columns, then the
-- batch that carried the row and when it arrived.
-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.
-- Regenerate with: go test ./schemas -run TestFrontendDDL -update

CREATE TABLE case_record (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_id         BIGINT NULL COMMENT '案件标识',
  report_time     DATETIME NULL COMMENT '案件建立时间',
  main_id         BIGINT NULL COMMENT '案件大类 ID',
  sub_id          BIGINT NULL COMMENT '案件小类 ID',
  supervisor_id   BIGINT NULL COMMENT '监督员 ID',
  supervisor_name VARCHAR(32) NULL COMMENT '监督员',
  unit_grid_id    BIGINT NULL COMMENT '单元网格 ID',
  street_id       BIGINT NULL COMMENT '所属街道 ID',
  resp_grid_id    BIGINT NULL COMMENT '责任网格 ID',
  x               DECIMAL(12,3) NULL COMMENT 'X 坐标',
  y               DECIMAL(12,3) NULL COMMENT 'Y 坐标',
  dept_id         BIGINT NULL COMMENT '处置部门 ID',
  dept_name       VARCHAR(128) NULL COMMENT '处置部门名称',
  node_name       VARCHAR(32) NULL COMMENT '当前办理节点名称',
  node_id         TINYINT NULL COMMENT '办理节点 ID',
  accept_time     DATETIME NULL COMMENT '受理开始时间',
  archive_time    DATETIME NULL COMMENT '案件存档时间',
  media_path      VARCHAR(255) NULL COMMENT '多媒体信息',
  file_time       DATETIME NULL COMMENT '立案时间',
  handle_time     DATETIME NULL COMMENT '专业部门处置时间',
  district_id     BIGINT NULL COMMENT '区域 id',
  district_name   VARCHAR(64) NULL COMMENT '区域名称',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='数字化城管案卷信息';
