-- Exchange database (数据交换库): the data-exchange subsystem's push log,
-- one row per push batch. This is what the system claims it sent.

CREATE TABLE push_log (
  id            BIGINT       NOT NULL AUTO_INCREMENT COMMENT '日志标识',
  target        VARCHAR(32)  NOT NULL COMMENT '对接系统',
  resource      VARCHAR(64)  NOT NULL COMMENT '数据资源',
  window_start  DATETIME     NOT NULL COMMENT '数据窗口开始',
  window_end    DATETIME     NOT NULL COMMENT '数据窗口结束',
  batch_id      VARCHAR(64)  NOT NULL COMMENT '批次号',
  rows_sent     INT          NOT NULL COMMENT '推送条数',
  status        VARCHAR(16)  NOT NULL COMMENT '推送状态: success/failed',
  error         VARCHAR(512) NULL     COMMENT '错误信息',
  started_at    DATETIME(3)  NOT NULL COMMENT '开始时间',
  finished_at   DATETIME(3)  NULL     COMMENT '完成时间',
  PRIMARY KEY (id),
  UNIQUE KEY uk_push_log_batch (batch_id),
  KEY idx_push_log_window (target, resource, window_start)
) COMMENT='推送日志';
