package sim

// District is one of Chengdu's 22 districts and counties on the central
// deployment. Codes follow the 5101xx pattern of Chengdu's administrative
// codes; they are plausible, not official.
type district struct {
	name    string
	code    string
	weight  float64 // share of the city's cases
	central bool    // 中心城区
	area    float64 // km², rough
}

var districts = []district{
	{"锦江区", "510104", 7.5, true, 61},
	{"青羊区", "510105", 7.5, true, 67},
	{"金牛区", "510106", 8.5, true, 108},
	{"武侯区", "510107", 8.5, true, 75},
	{"成华区", "510108", 8.0, true, 110},
	{"高新区", "510109", 7.0, true, 130},
	{"天府新区", "510110", 5.0, false, 564},
	{"龙泉驿区", "510112", 5.0, false, 558},
	{"青白江区", "510113", 3.0, false, 379},
	{"新都区", "510114", 5.0, false, 497},
	{"温江区", "510115", 4.0, false, 277},
	{"双流区", "510116", 5.0, false, 466},
	{"郫都区", "510117", 4.5, false, 438},
	{"新津区", "510118", 2.5, false, 330},
	{"金堂县", "510121", 2.0, false, 1156},
	{"大邑县", "510129", 1.5, false, 1284},
	{"蒲江县", "510131", 1.0, false, 580},
	{"都江堰市", "510181", 2.5, false, 1208},
	{"彭州市", "510182", 2.5, false, 1421},
	{"邛崃市", "510183", 1.5, false, 1377},
	{"崇州市", "510184", 1.5, false, 1089},
	{"简阳市", "510185", 2.5, false, 2213},
}

var streetStems = []string{
	"春熙", "合江", "书院", "督院", "盐市口", "牛市口", "东光", "沙河", "草市", "少城",
	"府南", "光华", "草堂", "苏坡", "文家", "黄田坝", "金泉", "西华", "营门口", "抚琴",
	"茶店子", "驷马桥", "荷花池", "桂溪", "芳草", "石羊", "玉林", "簇桥", "红牌楼", "机投",
	"猛追湾", "双桥子", "府青", "跳蹬河", "万年场", "保和", "龙潭", "青龙", "白莲池", "桂湖",
	"大丰", "三河", "柳城", "万春", "永宁", "东升", "九江", "华阳", "正兴", "犀浦",
	"团结", "安德", "五津", "花桥", "赵镇", "淮口", "晋原", "鹤山", "幸福", "灌口",
	"天彭", "致和", "文君", "临邛", "崇阳", "三江", "射洪坝", "简城", "石桥", "大弯",
}

var communityStems = []string{
	"和平", "幸福", "东风", "新华", "光明", "红星", "民安", "长青", "建设", "友谊",
	"桂花", "锦绣", "兴隆", "太平", "文昌", "金桥", "花园", "清水", "碧波", "书香",
}

var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
	"郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹",
}

var givenNames = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
	"明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "文斌", "雪梅", "国强", "春花",
}

var caseSourceNames = []string{"", "信息采集员", "市民", "智能发现", "监督员自报自处", "其他"}

// caseStages are the published state list plus the rejection states.
var caseStages = []struct {
	id   int
	name string
}{
	{1, "待受理"}, {3, "立案派遣"}, {4, "处理中"}, {5, "核查结案"}, {6, "结案"},
	{7, "作废"}, {8, "挂账"}, {9, "督查"}, {10, "不予受理"}, {11, "不予立案"},
}

// category tree: 问题类型 (部件/事件) → 大类 → 小类 (→ 细类).
type subCat struct {
	name        string
	limitHours  int // handling time limit
	streetlight bool
	waterlog    bool
	weight      float64
	details     []string
}

type mainCat struct {
	code string
	name string
	subs []subCat
}

var componentMains = []mainCat{
	{"01", "公用设施", []subCat{
		{"上水井盖", 24, false, false, 3, []string{"井盖破损", "井盖丢失"}},
		{"污水井盖", 24, false, false, 3, []string{"井盖破损", "井盖移位"}},
		{"路灯", 48, true, false, 4, []string{"灯不亮", "灯杆倾斜"}},
		{"消防栓", 48, false, false, 1, nil},
		{"电力设施", 72, false, false, 1, nil},
	}},
	{"02", "道路交通", []subCat{
		{"交通标志牌", 72, false, false, 1.5, nil},
		{"护栏", 48, false, false, 2, []string{"护栏破损", "护栏缺失"}},
		{"人行道板", 72, false, false, 2, nil},
		{"公交站亭", 72, false, false, 1, nil},
	}},
	{"03", "市容环境", []subCat{
		{"垃圾箱", 24, false, false, 3, []string{"垃圾箱破损", "垃圾箱满溢"}},
		{"公共厕所", 24, false, false, 1, nil},
		{"广告牌匾", 72, false, false, 1.5, nil},
	}},
	{"04", "园林绿化", []subCat{
		{"行道树", 72, false, false, 2, []string{"树木倒伏", "枝叶遮挡"}},
		{"绿地", 72, false, false, 1.5, nil},
	}},
	{"05", "其他设施", []subCat{
		{"健身设施", 72, false, false, 0.5, nil},
		{"监控电子眼", 72, false, false, 0.5, nil},
	}},
}

var eventMains = []mainCat{
	{"01", "市容环境", []subCat{
		{"暴露垃圾", 4, false, false, 10, []string{"生活垃圾", "建筑垃圾"}},
		{"积存垃圾渣土", 8, false, false, 5, nil},
		{"道路不洁", 4, false, false, 6, nil},
		{"乱涂乱画", 24, false, false, 3, nil},
	}},
	{"02", "宣传广告", []subCat{
		{"非法小广告", 8, false, false, 8, []string{"张贴小广告", "喷涂小广告"}},
		{"占道广告牌", 48, false, false, 2, nil},
	}},
	{"03", "施工管理", []subCat{
		{"施工扰民", 24, false, false, 1.5, nil},
		{"工地扬尘", 8, false, false, 2, nil},
		{"道路破损", 72, false, false, 2, nil},
	}},
	{"04", "突发事件", []subCat{
		{"道路积水", 2, false, true, 1.5, nil},
		{"路面塌陷", 4, false, false, 0.5, nil},
	}},
	{"05", "街面秩序", []subCat{
		{"店外经营", 4, false, false, 8, []string{"店外摆卖", "占道堆物"}},
		{"无照经营游商", 4, false, false, 6, nil},
		{"机动车乱停放", 4, false, false, 5, nil},
		{"非机动车乱停放", 4, false, false, 6, nil},
		{"露天烧烤", 4, false, false, 2, nil},
	}},
	{"06", "其他事件", []subCat{
		{"其他事件", 24, false, false, 1, nil},
	}},
}

var professionalDepts = []string{"城管执法局", "环境卫生管理所", "市政设施管理处", "园林绿化局", "路灯管理处", "住房建设局", "交通运输局", "水务局"}

// positionNames are the positions of every department; a staff member's
// staff_type is the name of their position.
var positionNames = []string{"受理员", "值班长", "派遣员", "处置员", "管理员"}

var actionNames = map[int]string{
	1: "上报", 2: "核实", 3: "受理", 4: "立案", 5: "派遣", 6: "处置", 7: "督查",
	8: "发核查", 9: "核查", 10: "结案", 11: "返工", 12: "延期", 13: "挂账", 14: "作废",
	15: "不予受理", 16: "不予立案", 17: "归档",
}
