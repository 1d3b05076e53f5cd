-- Front-end database (前置机) fe_city_gov of city_gov 市网络理政中心 (Chengdu Network Governance Center).
-- One evidence table per pushed resource: the resource's columns, then the
-- batch that carried the row and when it arrived.
-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.
-- Regenerate with: go test ./schemas -run TestFrontendDDL -update

CREATE TABLE grid_info (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  resp_grid_name  VARCHAR(64) NULL COMMENT '责任网格名称',
  resp_grid_id    BIGINT NULL COMMENT '责任网格 ID',
  unit_grid_count INT NULL COMMENT '包含单元网格数量',
  district_id     BIGINT NULL COMMENT '所属区县 ID',
  district_name   VARCHAR(64) NULL COMMENT '所属区县名称',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (resp_grid_id)
) COMMENT='数字化城管网格信息';

CREATE TABLE facility_region_distribution (
  fe_row_id      BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  region_name    VARCHAR(64) NULL COMMENT '区域名称',
  facility_count INT NULL COMMENT '区域设施数量',
  batch_id       VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at     DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (region_name)
) COMMENT='数字城管设施部门区域分布信息';

CREATE TABLE facility_display (
  fe_row_id          BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  main_name          VARCHAR(64) NULL COMMENT '大类名称',
  sub_count          INT NULL COMMENT '小类个数',
  sub_name           VARCHAR(64) NULL COMMENT '小类名称',
  sub_facility_count INT NULL COMMENT '小类数据',
  batch_id           VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at         DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (main_name, sub_name)
) COMMENT='设施展示信息';

CREATE TABLE streetlight_facility (
  fe_row_id         BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  streetlight_count INT NULL COMMENT '路灯设施个数',
  district_name     VARCHAR(64) NULL COMMENT '所属区域',
  batch_id          VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at        DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (district_name)
) COMMENT='路灯类设施信息';

CREATE TABLE facility_category_distribution (
  fe_row_id  BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  main_name  VARCHAR(64) NULL COMMENT '部件大类名称',
  main_count INT NULL COMMENT '部件大类数量',
  batch_id   VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (main_name)
) COMMENT='数字城管设施类别分布信息';

CREATE TABLE facility_top10_dept_distribution (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  owner_dept_name VARCHAR(128) NULL COMMENT '权属部门名称',
  facility_count  INT NULL COMMENT '小类设施数量',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (owner_dept_name)
) COMMENT='数字城管设施部门前十名分布信息';

-- component_gis_layer (数字城管部件 GIS 数据图层信息): 介质拷贝, checked against receipt files component_gis_layer_*.csv; no table.

CREATE TABLE case_record (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_time     DATETIME NULL COMMENT '案件时间',
  main_id       BIGINT NULL COMMENT '案件大类 ID',
  sub_id        BIGINT NULL COMMENT '案件小类 ID',
  district_id   BIGINT NULL COMMENT '区域 ID',
  district_name VARCHAR(64) NULL COMMENT '区域名称',
  reporter      VARCHAR(32) NULL COMMENT '上报人员',
  unit_grid_id  BIGINT NULL COMMENT '案件所属万米单元网格 ID',
  street_id     BIGINT NULL COMMENT '案件所属街道 ID',
  resp_grid_id  BIGINT NULL COMMENT '案件所属责任网格 ID',
  case_id       BIGINT NULL COMMENT '案件编号 ID',
  x             DECIMAL(12,3) NULL COMMENT '案件位置 X 坐标',
  y             DECIMAL(12,3) NULL COMMENT '案件位置 Y 坐标',
  dept_id       BIGINT NULL COMMENT '处置部门 ID',
  dept_name     VARCHAR(128) NULL COMMENT '处置部门名称',
  node_name     VARCHAR(32) NULL COMMENT '当前办理节点名称',
  node_id       TINYINT NULL COMMENT '办理节点 ID',
  accept_time   DATETIME NULL COMMENT '受理开始时间',
  archive_time  DATETIME NULL COMMENT '案件存档时间',
  supervisor_id BIGINT NULL COMMENT '监督员 ID',
  media_path    VARCHAR(255) NULL COMMENT '多媒体信息',
  file_time     DATETIME NULL COMMENT '立案时间',
  handle_time   DATETIME NULL COMMENT '专业部门处置时间',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='数字化城管案卷信息';

CREATE TABLE case_process (
  fe_row_id BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  node_id   BIGINT NULL COMMENT '案件办理节点 ID',
  node_name VARCHAR(32) NULL COMMENT '案件办理节点名称',
  batch_id  VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (node_id)
) COMMENT='案件办理经过';

CREATE TABLE streetlight_issue (
  fe_row_id    BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_id      BIGINT NULL COMMENT '发送到路灯管理处的案卷 ID',
  start_time   DATETIME NULL COMMENT '案件开始时间',
  archive_time DATETIME NULL COMMENT '案卷归档时间',
  batch_id     VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at   DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='路灯问题信息';

CREATE TABLE road_waterlogging (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_id         BIGINT NULL COMMENT '案件 ID',
  report_time     DATETIME NULL COMMENT '上报时间',
  address         VARCHAR(255) NULL COMMENT '发生地点',
  district_name   VARCHAR(64) NULL COMMENT '区域',
  x               DECIMAL(12,3) NULL COMMENT '案件坐标',
  y               DECIMAL(12,3) NULL COMMENT '案件坐标',
  media_path      VARCHAR(255) NULL COMMENT '案件多媒体信息',
  supervisor_name VARCHAR(32) NULL COMMENT '监督员名称',
  supervisor_id   BIGINT NULL COMMENT '监督员 ID',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='道路积水信息';

CREATE TABLE streetlight_today (
  fe_row_id    BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  case_id      BIGINT NULL COMMENT '当日路灯案件 ID (已立案未结案)',
  report_time  DATETIME NULL COMMENT '案件上报时间',
  archive_time DATETIME NULL COMMENT '案件存档时间',
  batch_id     VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at   DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='路灯当日信息';

CREATE TABLE supervisor_basic (
  fe_row_id        BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  supervisor_name  VARCHAR(32) NULL COMMENT '监督员名字',
  supervisor_id    BIGINT NULL COMMENT '监督员 ID',
  phone            VARCHAR(20) NULL COMMENT '监督员手机号',
  status           VARCHAR(8) NULL COMMENT '监督员状态',
  resp_grid_id     BIGINT NULL COMMENT '责任网格 ID',
  supervisor_level VARCHAR(8) NULL COMMENT '监督员级别(区/县/市)',
  district_name    VARCHAR(64) NULL COMMENT '所属区域名称',
  batch_id         VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at       DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (supervisor_id)
) COMMENT='数字城管监督员基本信息';

CREATE TABLE supervisor_realtime_position (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  supervisor_id BIGINT NULL COMMENT '监督员 ID',
  x             DECIMAL(12,3) NULL COMMENT '监督员坐标 X',
  y             DECIMAL(12,3) NULL COMMENT '监督员坐标 Y',
  status_time   DATETIME NULL COMMENT '获取时间',
  state         VARCHAR(8) NULL COMMENT '当前状态',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (supervisor_id, status_time)
) COMMENT='数字城管监督员实时坐标状态信息';

CREATE TABLE supervisor_online (
  fe_row_id       BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  supervisor_id   BIGINT NULL COMMENT '在线监督员 ID',
  district_name   VARCHAR(64) NULL COMMENT '所属区域',
  supervisor_name VARCHAR(32) NULL COMMENT '姓名',
  resp_grid_name  VARCHAR(64) NULL COMMENT '所属责任网格名称',
  resp_grid_id    BIGINT NULL COMMENT '所属责任网格 ID',
  phone           VARCHAR(20) NULL COMMENT '联系方式',
  batch_id        VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at      DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (supervisor_id)
) COMMENT='监督员在线信息';

CREATE TABLE today_case_total (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id     BIGINT NULL COMMENT '问题类型 id',
  type_name   VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time DATETIME NULL COMMENT '上报时间',
  case_id     BIGINT NULL COMMENT '案件 ID',
  x           DECIMAL(12,3) NULL COMMENT 'x 坐标',
  y           DECIMAL(12,3) NULL COMMENT 'y 坐标',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当日案件总数信息';

CREATE TABLE today_case_category (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id     BIGINT NULL COMMENT '问题类型 id',
  type_name   VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time DATETIME NULL COMMENT '上报时间',
  main_name   VARCHAR(64) NULL COMMENT '案件大类名称',
  main_id     BIGINT NULL COMMENT '案件大类 ID',
  case_id     BIGINT NULL COMMENT '案件 ID',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当日案件类别信息';

CREATE TABLE today_case_dept_distribution (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id     BIGINT NULL COMMENT '问题类型 id',
  type_name   VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time DATETIME NULL COMMENT '上报时间',
  dept_name   VARCHAR(128) NULL COMMENT '主管部门名称',
  case_id     BIGINT NULL COMMENT '案件 ID',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当日案件部门分布信息';

CREATE TABLE today_case_central_district_distribution (
  fe_row_id     BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id       BIGINT NULL COMMENT '问题类型 id',
  type_name     VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time   DATETIME NULL COMMENT '上报时间',
  district_name VARCHAR(64) NULL COMMENT '区域名称',
  case_id       BIGINT NULL COMMENT '案件 ID',
  x             DECIMAL(12,3) NULL COMMENT 'x 坐标',
  y             DECIMAL(12,3) NULL COMMENT 'y 坐标',
  batch_id      VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at    DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当日案件中心城区区域分布信息';

CREATE TABLE today_high_incidence_category_stats (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id     BIGINT NULL COMMENT '问题类型 id',
  type_name   VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time DATETIME NULL COMMENT '上报时间',
  sub_name    VARCHAR(64) NULL COMMENT '案件小类，案件 ID',
  case_id     BIGINT NULL COMMENT '案件小类，案件 ID',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当日高发类别统计信息';

CREATE TABLE current_disposal_count (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  type_id     BIGINT NULL COMMENT '问题类型 id',
  type_name   VARCHAR(64) NULL COMMENT '问题类型名称',
  report_time DATETIME NULL COMMENT '上报时间',
  case_id     BIGINT NULL COMMENT '当前处置案件 ID',
  x           DECIMAL(12,3) NULL COMMENT 'x 坐标',
  y           DECIMAL(12,3) NULL COMMENT 'y 坐标',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='当前处置数信息';
