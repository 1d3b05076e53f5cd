-- Front-end database (前置机) fe_pengzhou of pengzhou 彭州市 (Pengzhou City).
-- One evidence table per pushed resource: the resource's columns, then the
-- batch that carried the row and when it arrived.
-- Generated from pipelines/catalog.yaml by Catalog.FrontendDDL; do not edit.
-- Regenerate with: go test ./schemas -run TestFrontendDDL -update

CREATE TABLE historical_event (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  description VARCHAR(512) NULL COMMENT '问题描述',
  lon         DECIMAL(12,3) NULL COMMENT '经度',
  lat         DECIMAL(12,3) NULL COMMENT '纬度',
  source_name VARCHAR(32) NULL COMMENT '问题来源',
  report_time DATETIME NULL COMMENT '上报时间',
  matter      VARCHAR(64) NULL COMMENT '职能事项',
  address     VARCHAR(255) NULL COMMENT '所属地址',
  state       VARCHAR(8) NULL COMMENT '当前状态（处理中、督查、办案）',
  image_url   VARCHAR(255) NULL COMMENT '上报图片（可以直接访问的图片 url）',
  case_id     BIGINT NULL COMMENT '案件标识',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='历史事件信息';

CREATE TABLE event_alert (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  description VARCHAR(512) NULL COMMENT '问题描述',
  lon         DECIMAL(12,3) NULL COMMENT '经度',
  lat         DECIMAL(12,3) NULL COMMENT '纬度',
  source_name VARCHAR(32) NULL COMMENT '问题来源',
  report_time DATETIME NULL COMMENT '上报时间',
  matter      VARCHAR(64) NULL COMMENT '职能事项',
  address     VARCHAR(255) NULL COMMENT '所属地址',
  state       VARCHAR(8) NULL COMMENT '当前状态（处理中、督查、办案）',
  image_url   VARCHAR(255) NULL COMMENT '上报图片（可以直接访问的图片 url）',
  case_id     BIGINT NULL COMMENT '案件标识',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (case_id)
) COMMENT='事件预警推送';

CREATE TABLE case_source_stats (
  fe_row_id        BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  self_handled_cnt INT NULL COMMENT '监督员自报自处数量',
  collector_cnt    INT NULL COMMENT '信息采集员上报数量',
  city_found_cnt   INT NULL COMMENT '成都市监督发现数量',
  video_cnt        INT NULL COMMENT '视频上报数量',
  report_cnt       INT NULL COMMENT '上报数量',
  stat_date        DATE NULL COMMENT '统计日期',
  batch_id         VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at       DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (stat_date)
) COMMENT='问题来源';

CREATE TABLE month_case_disposal (
  fe_row_id    BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  report_cnt   INT NULL COMMENT '上报数量',
  accept_cnt   INT NULL COMMENT '受理数量',
  file_cnt     INT NULL COMMENT '立案数量',
  dispatch_cnt INT NULL COMMENT '派遣数量',
  handle_cnt   INT NULL COMMENT '处置数量',
  verify_cnt   INT NULL COMMENT '核查数量',
  close_cnt    INT NULL COMMENT '结案数量',
  close_rate   DECIMAL(5,2) NULL COMMENT '结案率',
  stat_month   DATE NULL COMMENT '统计月份',
  batch_id     VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at   DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (stat_month)
) COMMENT='当月案件处置信息';

CREATE TABLE monthly_high_incidence_stats (
  fe_row_id    BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  report_cnt   INT NULL COMMENT '上报数量',
  accept_cnt   INT NULL COMMENT '受理数量',
  file_cnt     INT NULL COMMENT '立案数量',
  dispatch_cnt INT NULL COMMENT '派遣数量',
  handle_cnt   INT NULL COMMENT '处置数量',
  verify_cnt   INT NULL COMMENT '核查数量',
  close_cnt    INT NULL COMMENT '结案数量',
  close_rate   DECIMAL(5,2) NULL COMMENT '结案率',
  stat_month   DATE NULL COMMENT '统计月份',
  batch_id     VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at   DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (stat_month)
) COMMENT='月度高发事件统计';

CREATE TABLE event_analysis_by_region (
  fe_row_id   BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  street_name VARCHAR(64) NULL COMMENT 'XX 镇（街道）',
  report_cnt  INT NULL COMMENT '上报案件数量',
  close_cnt   INT NULL COMMENT '办结案件数量',
  batch_id    VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at  DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (street_name)
) COMMENT='城市事件运行分析（区域分析）';

CREATE TABLE event_analysis_trend (
  fe_row_id  BIGINT NOT NULL AUTO_INCREMENT COMMENT '行标识',
  month      INT NULL COMMENT '月度（近 6 个月）',
  report_cnt INT NULL COMMENT '上报案件数量',
  close_cnt  INT NULL COMMENT '办结案件数量',
  batch_id   VARCHAR(64) NOT NULL COMMENT '批次号',
  arrived_at DATETIME(3) NOT NULL COMMENT '到达时间',
  PRIMARY KEY (fe_row_id),
  KEY idx_batch_id (batch_id),
  KEY idx_key (month)
) COMMENT='城市事件运行分析（趋势分析）';
