-- Business database (业务库) of the simulated eUrbanMIS, as the simulator
-- creates it. English snake_case names; the Chinese name is the COMMENT.
-- Times are DATETIME in Asia/Shanghai wall-clock time (no zone stored).

CREATE TABLE regions (
  id           BIGINT       NOT NULL COMMENT '区域标识',
  code         VARCHAR(12)  NOT NULL COMMENT '区域编号(行政区划代码)',
  name         VARCHAR(64)  NOT NULL COMMENT '区域名称',
  level        TINYINT      NOT NULL COMMENT '区域类型: 1区县 2街道 3社区',
  parent_id    BIGINT       NULL     COMMENT '上级编号',
  area_km2     DECIMAL(10,2) NULL    COMMENT '覆盖面积(平方公里)',
  central      TINYINT      NOT NULL DEFAULT 0 COMMENT '中心城区标志',
  PRIMARY KEY (id),
  KEY idx_regions_parent (parent_id)
) COMMENT='区域(区县/街道/社区)';

CREATE TABLE resp_grids (
  id           BIGINT       NOT NULL COMMENT '责任网格标识',
  code         VARCHAR(32)  NOT NULL COMMENT '责任网格编码',
  name         VARCHAR(64)  NOT NULL COMMENT '责任网格名称',
  district_id  BIGINT       NOT NULL COMMENT '所属区县标识',
  street_id    BIGINT       NOT NULL COMMENT '所属街道标识',
  PRIMARY KEY (id),
  KEY idx_resp_grids_district (district_id)
) COMMENT='责任网格';

CREATE TABLE unit_grids (
  id           BIGINT       NOT NULL COMMENT '单元网格标识',
  code         VARCHAR(32)  NOT NULL COMMENT '单元网格编码',
  name         VARCHAR(64)  NOT NULL COMMENT '单元网格名称',
  community_id BIGINT       NOT NULL COMMENT '所属社区标识',
  street_id    BIGINT       NOT NULL COMMENT '所属街道标识',
  district_id  BIGINT       NOT NULL COMMENT '所属区县标识',
  resp_grid_id BIGINT       NOT NULL COMMENT '所属责任网格标识',
  area_km2     DECIMAL(10,4) NOT NULL COMMENT '面积(平方公里)',
  PRIMARY KEY (id),
  KEY idx_unit_grids_resp (resp_grid_id)
) COMMENT='单元网格(万米单元网格)';

CREATE TABLE departments (
  id           BIGINT       NOT NULL COMMENT '部门标识',
  code         VARCHAR(32)  NOT NULL COMMENT '部门代码',
  name         VARCHAR(128) NOT NULL COMMENT '部门名称',
  parent_id    BIGINT       NULL     COMMENT '上级标识',
  district_id  BIGINT       NULL     COMMENT '所属区域标识(市级为空)',
  level_id     TINYINT      NOT NULL COMMENT '部门级别: 1市级 2区级 3街道',
  kind         VARCHAR(16)  NOT NULL COMMENT '部门性质: 指挥中心/专业部门/街道办',
  PRIMARY KEY (id)
) COMMENT='部门(组织机构)';

CREATE TABLE positions (
  id            BIGINT      NOT NULL COMMENT '岗位标识',
  name          VARCHAR(64) NOT NULL COMMENT '岗位名称',
  department_id BIGINT      NOT NULL COMMENT '所属部门标识',
  PRIMARY KEY (id)
) COMMENT='岗位';

CREATE TABLE staff (
  id            BIGINT      NOT NULL COMMENT '人员标识',
  name          VARCHAR(32) NOT NULL COMMENT '人员名称',
  position_id   BIGINT      NOT NULL COMMENT '所属岗位标识',
  department_id BIGINT      NOT NULL COMMENT '所属部门标识',
  district_id   BIGINT      NULL     COMMENT '所属区域标识',
  phone         VARCHAR(20) NOT NULL COMMENT '联系电话',
  team_kind     VARCHAR(16) NOT NULL COMMENT '队伍性质: 在编/外包',
  staff_type    VARCHAR(16) NOT NULL COMMENT '人员类型: 受理员/值班长/派遣员/处置员/管理员',
  PRIMARY KEY (id)
) COMMENT='人员';

CREATE TABLE supervisors (
  id            BIGINT      NOT NULL COMMENT '监督员标识',
  name          VARCHAR(32) NOT NULL COMMENT '监督员名字',
  card_no       VARCHAR(20) NOT NULL COMMENT '监督员工卡号',
  phone         VARCHAR(20) NOT NULL COMMENT '监督员手机号',
  type_id       TINYINT     NOT NULL COMMENT '监督员类型: 1信息采集员 2监督员',
  level_id      TINYINT     NOT NULL COMMENT '监督员级别: 1市 2区 3县',
  district_id   BIGINT      NOT NULL COMMENT '所属区域标识',
  resp_grid_id  BIGINT      NOT NULL COMMENT '责任网格标识',
  status        TINYINT     NOT NULL COMMENT '监督员状态: 1在岗 0离岗',
  PRIMARY KEY (id),
  KEY idx_supervisors_district (district_id)
) COMMENT='监督员';

CREATE TABLE categories (
  id            BIGINT      NOT NULL COMMENT '分类标识',
  code          VARCHAR(16) NOT NULL COMMENT '分类代码',
  name          VARCHAR(64) NOT NULL COMMENT '分类名称',
  level         TINYINT     NOT NULL COMMENT '层级: 1问题类型 2大类 3小类 4细类',
  parent_id     BIGINT      NULL     COMMENT '上级分类标识',
  kind          TINYINT     NOT NULL COMMENT '案件类型: 1部件 2事件',
  streetlight   TINYINT     NOT NULL DEFAULT 0 COMMENT '路灯类标志',
  waterlogging  TINYINT     NOT NULL DEFAULT 0 COMMENT '道路积水标志',
  PRIMARY KEY (id),
  KEY idx_categories_parent (parent_id)
) COMMENT='问题分类字典(问题类型/大类/小类/细类)';

CREATE TABLE components (
  id             BIGINT       NOT NULL COMMENT '部件标识',
  code           VARCHAR(32)  NOT NULL COMMENT '部件标识码',
  name           VARCHAR(64)  NOT NULL COMMENT '部件名称',
  main_code      VARCHAR(4)   NOT NULL COMMENT '部件大类代码',
  sub_id         BIGINT       NOT NULL COMMENT '部件小类分类标识',
  lon            DECIMAL(12,8) NOT NULL COMMENT '经度',
  lat            DECIMAL(12,8) NOT NULL COMMENT '纬度',
  dept_id        BIGINT       NOT NULL COMMENT '主管部门标识',
  owner_id       BIGINT       NOT NULL COMMENT '权属单位标识',
  maint_id       BIGINT       NOT NULL COMMENT '养护单位标识',
  unit_grid_id   BIGINT       NOT NULL COMMENT '所在单元网格标识',
  district_id    BIGINT       NOT NULL COMMENT '所属区县标识',
  status         VARCHAR(8)   NOT NULL COMMENT '部件状态: 完好/破损/丢失/占用',
  init_date      DATE         NOT NULL COMMENT '初始日期',
  change_date    DATE         NOT NULL COMMENT '变更日期',
  data_source    VARCHAR(16)  NOT NULL COMMENT '数据来源',
  remark         VARCHAR(128) NULL     COMMENT '备注',
  PRIMARY KEY (id),
  KEY idx_components_district (district_id)
) COMMENT='部件';

CREATE TABLE timing_rules (
  id               BIGINT      NOT NULL COMMENT '计时规则标识',
  series_id        BIGINT      NOT NULL COMMENT '系列标识',
  activity_id      BIGINT      NOT NULL COMMENT '活动属性标识(案件阶段)',
  file_condition   VARCHAR(64) NOT NULL COMMENT '立案条件',
  timing_region_id BIGINT      NOT NULL COMMENT '计时区域标识',
  limit_minutes    INT         NOT NULL COMMENT '时限(工作分钟)',
  PRIMARY KEY (id)
) COMMENT='计时管理';

CREATE TABLE case_sources (
  id    TINYINT     NOT NULL COMMENT '问题来源标识',
  name  VARCHAR(32) NOT NULL COMMENT '问题来源名称',
  PRIMARY KEY (id)
) COMMENT='问题来源字典';

CREATE TABLE case_stages (
  id    TINYINT     NOT NULL COMMENT '案件阶段标识',
  name  VARCHAR(32) NOT NULL COMMENT '案件阶段名称',
  PRIMARY KEY (id)
) COMMENT='案件阶段字典';

CREATE TABLE cases (
  id               BIGINT        NOT NULL COMMENT '案卷标识',
  case_no          VARCHAR(32)   NOT NULL COMMENT '案件编号',
  task_no          VARCHAR(32)   NOT NULL COMMENT '任务号',
  source_id        TINYINT       NOT NULL COMMENT '问题来源标识',
  kind             TINYINT       NOT NULL COMMENT '案件类型: 1部件 2事件',
  type_id          BIGINT        NOT NULL COMMENT '问题类型标识',
  main_id          BIGINT        NOT NULL COMMENT '大类标识',
  sub_id           BIGINT        NOT NULL COMMENT '小类标识',
  detail_id        BIGINT        NULL     COMMENT '细类标识',
  file_condition   VARCHAR(64)   NULL     COMMENT '立案条件',
  component_code   VARCHAR(32)   NULL     COMMENT '部件编码',
  district_id      BIGINT        NOT NULL COMMENT '区域标识',
  street_id        BIGINT        NOT NULL COMMENT '街道标识',
  community_id     BIGINT        NOT NULL COMMENT '社区标识',
  unit_grid_id     BIGINT        NOT NULL COMMENT '单元网格标识',
  resp_grid_id     BIGINT        NOT NULL COMMENT '责任网格标识',
  x                DECIMAL(12,3) NOT NULL COMMENT 'X坐标',
  y                DECIMAL(12,3) NOT NULL COMMENT 'Y坐标',
  address          VARCHAR(255)  NOT NULL COMMENT '地址描述',
  description      VARCHAR(512)  NOT NULL COMMENT '问题描述',
  supervisor_id    BIGINT        NULL     COMMENT '上报监督员标识',
  dept_id          BIGINT        NULL     COMMENT '处置部门标识',
  urgent           TINYINT       NOT NULL DEFAULT 0 COMMENT '急要件标识',
  urgent_reason    VARCHAR(128)  NULL     COMMENT '急要件原由',
  stage_id         TINYINT       NOT NULL COMMENT '案件阶段: 1待受理 3立案派遣 4处理中 5核查结案 6结案 7作废 8挂账 9督查 10不予受理 11不予立案',
  report_time      DATETIME      NOT NULL COMMENT '上报时间(案件建立时间)',
  check_send_time  DATETIME      NULL     COMMENT '发核实时间(公众举报)',
  check_time       DATETIME      NULL     COMMENT '核实时间',
  check_deadline   DATETIME      NULL     COMMENT '核实截止时间',
  accept_time      DATETIME      NULL     COMMENT '受理时间',
  accept_deadline  DATETIME      NOT NULL COMMENT '受理截止时间',
  accept_result    TINYINT       NULL     COMMENT '受理结果: 1受理 0不予受理',
  file_time        DATETIME      NULL     COMMENT '立案时间',
  file_deadline    DATETIME      NULL     COMMENT '立案截止时间',
  file_result      TINYINT       NULL     COMMENT '立案结果: 1立案 0不予立案',
  dispatch_time    DATETIME      NULL     COMMENT '派遣时间',
  dispatch_deadline DATETIME     NULL     COMMENT '派遣截止时间',
  dispatch_correct TINYINT       NULL     COMMENT '准确派遣标志: 1准确 0错误(回退重派)',
  handle_deadline  DATETIME      NULL     COMMENT '处置截止时间(含延期)',
  handle_time      DATETIME      NULL     COMMENT '专业部门处置时间',
  supervise_time   DATETIME      NULL     COMMENT '督查时间',
  verify_send_time DATETIME      NULL     COMMENT '发核查时间',
  verify_time      DATETIME      NULL     COMMENT '核查时间',
  verify_deadline  DATETIME      NULL     COMMENT '核查截止时间',
  close_time       DATETIME      NULL     COMMENT '结案时间',
  close_deadline   DATETIME      NULL     COMMENT '结案截止时间',
  archive_time     DATETIME      NULL     COMMENT '案件存档时间',
  void_time        DATETIME      NULL     COMMENT '作废时间',
  rework_count     TINYINT       NOT NULL DEFAULT 0 COMMENT '返工次数',
  extension_days   SMALLINT      NOT NULL DEFAULT 0 COMMENT '延期天数',
  suspended        TINYINT       NOT NULL DEFAULT 0 COMMENT '挂账标志',
  void_stage_id    TINYINT       NULL     COMMENT '作废阶段标识',
  updated_at       DATETIME(3)   NOT NULL COMMENT '最后更新时间',
  PRIMARY KEY (id),
  UNIQUE KEY uk_cases_no (case_no),
  KEY idx_cases_report (report_time),
  KEY idx_cases_updated (updated_at)
) COMMENT='案卷';

CREATE TABLE case_activities (
  id            BIGINT       NOT NULL COMMENT '活动标识',
  case_id       BIGINT       NOT NULL COMMENT '案卷标识',
  seq           SMALLINT     NOT NULL COMMENT '办理顺序',
  stage_id      TINYINT      NOT NULL COMMENT '案件阶段标识',
  action_name   VARCHAR(32)  NOT NULL COMMENT '操作名称(办理节点名称)',
  operator_id   BIGINT       NULL     COMMENT '当前阶段处理员标识',
  dept_id       BIGINT       NULL     COMMENT '办理部门标识',
  opinion       VARCHAR(255) NULL     COMMENT '当前阶段处理意见',
  start_time    DATETIME     NOT NULL COMMENT '操作时间(开始)',
  end_time      DATETIME     NULL     COMMENT '结束时间',
  PRIMARY KEY (id),
  KEY idx_case_activities_case (case_id),
  KEY idx_case_activities_start (start_time)
) COMMENT='案件办理经过';

CREATE TABLE media (
  id          BIGINT       NOT NULL COMMENT '多媒体标识',
  case_id     BIGINT       NOT NULL COMMENT '案卷标识',
  usage_id    TINYINT      NOT NULL COMMENT '媒体用途: 1上报 2处置前 3处置后 4核查',
  media_type  VARCHAR(8)   NOT NULL COMMENT '媒体类型: 图片/视频/音频',
  name        VARCHAR(64)  NOT NULL COMMENT '媒体名称',
  path        VARCHAR(255) NOT NULL COMMENT '多媒体地址路径',
  created_at  DATETIME     NOT NULL COMMENT '创建时间',
  PRIMARY KEY (id),
  KEY idx_media_case (case_id),
  KEY idx_media_created (created_at)
) COMMENT='案件多媒体';

CREATE TABLE supervisor_tracks (
  id            BIGINT        NOT NULL COMMENT '轨迹标识',
  supervisor_id BIGINT        NOT NULL COMMENT '监督员标识',
  upload_time   DATETIME      NOT NULL COMMENT '上传时间',
  lon           DECIMAL(12,8) NOT NULL COMMENT '经度',
  lat           DECIMAL(12,8) NOT NULL COMMENT '纬度',
  PRIMARY KEY (id),
  KEY idx_supervisor_tracks_time (upload_time)
) COMMENT='监督员轨迹(GPS)';

CREATE TABLE supervisor_status (
  id            BIGINT        NOT NULL COMMENT '状态记录标识',
  supervisor_id BIGINT        NOT NULL COMMENT '监督员标识',
  status_time   DATETIME      NOT NULL COMMENT '获取时间',
  online        TINYINT       NOT NULL COMMENT '在线标志',
  x             DECIMAL(12,3) NOT NULL COMMENT '监督员坐标X',
  y             DECIMAL(12,3) NOT NULL COMMENT '监督员坐标Y',
  state         VARCHAR(8)    NOT NULL COMMENT '当前状态: 巡查/上报/核查/休息',
  PRIMARY KEY (id),
  KEY idx_supervisor_status_time (status_time)
) COMMENT='监督员在线及位置状态(每半小时采样)';
