package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// table is a batch of rows for one MySQL table, columns in DDL order.
type table struct {
	name string
	cols []string
	rows [][]any
}

func (t *table) add(vals ...any) { t.rows = append(t.rows, vals) }

// world holds the dimension data of the simulated city and the indexes the
// case generator draws from.
type world struct {
	tables []*table

	districtIDs     []int64
	districtWeights []float64
	districtName    map[int64]string
	// unit grids per district, with their hierarchy.
	gridsByDistrict map[int64][]gridRef
	subs            []subRef // every 小类 with its parents and weight
	subWeights      []float64
	deptsByDistrict map[int64][]int64 // professional departments serving a district
	supervisors     map[int64][]supRef
	allSupervisors  []supRef
	staffByDistrict map[int64][]int64
	components      []compRef
	compsBySub      map[int64][]compRef
}

type gridRef struct {
	id, community, street, district, resp int64
	x, y                                  float64
	code                                  string
}

type subRef struct {
	typeID, mainID, subID int64
	detailIDs             []int64
	kind                  int
	limit                 time.Duration
	streetlight           bool
	name                  string
}

type supRef struct {
	id, district, resp int64
	x, y               float64
}

type compRef struct {
	id   int64
	code string
	sub  int64
	grid gridRef
}

func personName(r *rand.Rand) string {
	return surnames[r.IntN(len(surnames))] + givenNames[r.IntN(len(givenNames))]
}

func phone(r *rand.Rand) string { return fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000)) }

// buildWorld generates the dimension tables from the seed. The sizes follow
// DOMAIN.md loosely: 22 districts, a few hundred streets, a few thousand
// grids, about 1,500 supervisors and 4,000 other accounts.
// scale (0 < scale ≤ 1) shrinks the city for small simulations: fewer
// streets, grids and supervisors, so a demo on a slow server stays quick.
// The entities are drawn from one stream in a fixed order.
func buildWorld(seed uint64, components int, now time.Time, scale float64) *world {
	r := rand.New(rand.NewPCG(seed, 0xC17))
	w := &world{
		districtName:    map[int64]string{},
		gridsByDistrict: map[int64][]gridRef{},
		deptsByDistrict: map[int64][]int64{},
		supervisors:     map[int64][]supRef{},
		staffByDistrict: map[int64][]int64{},
		compsBySub:      map[int64][]compRef{},
	}
	rt := w.buildRegions(r, scale)
	depts, positions, staff := w.buildDepartments(r)
	sups := w.buildSupervisors(r, scale)
	cats := w.buildCategories()
	timing := w.buildTimingRules()
	comps := w.buildComponents(r, components, now)
	srcs, stages := caseLookups()
	w.tables = []*table{rt.regions, rt.resp, rt.units, depts, positions, staff, sups, cats, comps, timing, srcs, stages}
	return w
}

// regionTables are the region and grid tables being built, with the
// running sequences their ids derive from.
type regionTables struct {
	regions, resp, units                 *table
	streetSeq, commSeq, respSeq, unitSeq int64
	stem                                 int
}

// buildRegions adds the districts with their streets, communities,
// responsibility grids and unit grids.
func (w *world) buildRegions(r *rand.Rand, scale float64) *regionTables {
	rt := &regionTables{
		regions: &table{name: "regions", cols: []string{"id", "code", "name", "level", "parent_id", "area_km2", "central"}},
		resp:    &table{name: "resp_grids", cols: []string{"id", "code", "name", "district_id", "street_id"}},
		units:   &table{name: "unit_grids", cols: []string{"id", "code", "name", "community_id", "street_id", "district_id", "resp_grid_id", "area_km2"}},
	}
	for di, d := range districts {
		did := int64(di + 1)
		w.districtIDs = append(w.districtIDs, did)
		w.districtWeights = append(w.districtWeights, d.weight)
		w.districtName[did] = d.name
		rt.regions.add(did, d.code, d.name, 1, nil, fmt.Sprintf("%.2f", d.area), d.centralFlag())
		// district centre in a local planar frame (metres), CGCS2000-like.
		cx, cy := 500000+float64(di%6)*12000, 3390000+float64(di/6)*12000
		nStreets := max(2, int(float64(6+r.IntN(8))*math.Sqrt(scale)+0.5))
		for s := 0; s < nStreets; s++ {
			w.addStreet(r, rt, d, did, s, cx, cy)
		}
	}
	return rt
}

// centralFlag is d.central as regions.central stores it: 1 or 0.
func (d district) centralFlag() int {
	if d.central {
		return 1
	}
	return 0
}

// addStreet adds the s-th street (or town) of district d around the
// district centre (cx, cy), with its responsibility grids, communities and
// unit grids.
func (w *world) addStreet(r *rand.Rand, rt *regionTables, d district, did int64, s int, cx, cy float64) {
	central := d.centralFlag()
	rt.streetSeq++
	sid := 1000 + rt.streetSeq
	suffix := "街道"
	if !d.central && r.IntN(3) == 0 {
		suffix = "镇"
	}
	sname := streetStems[rt.stem%len(streetStems)] + suffix
	rt.stem++
	rt.regions.add(sid, fmt.Sprintf("%s%03d", d.code, s+1), sname, 2, did, nil, central)
	var resps []int64
	for k := 0; k < 2+r.IntN(3); k++ {
		rt.respSeq++
		rid := 100000 + rt.respSeq
		resps = append(resps, rid)
		rt.resp.add(rid, fmt.Sprintf("%s%03d%02d", d.code, s+1, k+1), fmt.Sprintf("%s第%d责任网格", sname, k+1), did, sid)
	}
	sx, sy := cx+r.Float64()*8000, cy+r.Float64()*8000
	for c := 0; c < 3+r.IntN(5); c++ {
		rt.commSeq++
		cid := 10000 + rt.commSeq
		cname := communityStems[r.IntN(len(communityStems))] + "社区"
		rt.regions.add(cid, fmt.Sprintf("%s%03d%03d", d.code, s+1, c+1), cname, 3, sid, nil, central)
		for u := 0; u < 3+r.IntN(4); u++ {
			rt.unitSeq++
			uid := 1000000 + rt.unitSeq
			g := gridRef{id: uid, community: cid, street: sid, district: did, resp: resps[r.IntN(len(resps))],
				x: sx + r.Float64()*2000, y: sy + r.Float64()*2000,
				code: fmt.Sprintf("%s%03d%03d%02d", d.code, s+1, c+1, u+1)}
			w.gridsByDistrict[did] = append(w.gridsByDistrict[did], g)
			rt.units.add(uid, g.code, fmt.Sprintf("%s%d号单元网格", cname, u+1), cid, sid, did, g.resp, fmt.Sprintf("%.4f", 0.005+r.Float64()*0.02))
		}
	}
}

// buildDepartments adds the departments with their positions and staff:
// the city command centre, per district a command centre and professional
// departments; streets' offices are not modelled as depts.
func (w *world) buildDepartments(r *rand.Rand) (depts, positions, staff *table) {
	depts = &table{name: "departments", cols: []string{"id", "code", "name", "parent_id", "district_id", "level_id", "kind"}}
	positions = &table{name: "positions", cols: []string{"id", "name", "department_id"}}
	staff = &table{name: "staff", cols: []string{"id", "name", "position_id", "department_id", "district_id", "phone", "team_kind", "staff_type"}}
	depts.add(int64(1), "510100000", "成都市数字化城市管理监督中心", nil, nil, 1, "指挥中心")
	var cityDepts []int64
	for i, n := range professionalDepts {
		id := int64(10 + i)
		cityDepts = append(cityDepts, id)
		depts.add(id, fmt.Sprintf("5101%05d", 10+i), "成都市"+n, int64(1), nil, 1, "专业部门")
	}
	var posSeq, staffSeq int64
	addStaff := func(deptID int64, district any, n int) {
		for i, p := range positionNames {
			posSeq++
			positions.add(posSeq, p, deptID)
			count := n
			if i == 3 {
				count = n * 3 // 处置员 are the many
			}
			for k := 0; k < count; k++ {
				staffSeq++
				team := "在编"
				if r.IntN(3) == 0 {
					team = "外包"
				}
				staff.add(staffSeq, personName(r), posSeq, deptID, district, phone(r), team, p)
				if did, ok := district.(int64); ok {
					w.staffByDistrict[did] = append(w.staffByDistrict[did], staffSeq)
				}
			}
		}
	}
	addStaff(1, nil, 6)
	for _, did := range w.districtIDs {
		base := 1000 + did*100
		depts.add(base, fmt.Sprintf("%s000", districts[did-1].code), w.districtName[did]+"数字化城市管理指挥中心", int64(1), did, 2, "指挥中心")
		addStaff(base, did, 3)
		for i, n := range professionalDepts {
			id := base + int64(i+1)
			depts.add(id, fmt.Sprintf("%s%03d", districts[did-1].code, i+1), w.districtName[did]+n, base, did, 2, "专业部门")
			w.deptsByDistrict[did] = append(w.deptsByDistrict[did], id)
			addStaff(id, did, 2)
		}
		w.deptsByDistrict[did] = append(w.deptsByDistrict[did], cityDepts...)
	}
	return depts, positions, staff
}

// buildSupervisors adds the supervisors: about 70 per central district,
// fewer outside. Only the active ones (status 1) are indexed for cases.
func (w *world) buildSupervisors(r *rand.Rand, scale float64) *table {
	sups := &table{name: "supervisors", cols: []string{"id", "name", "card_no", "phone", "type_id", "level_id", "district_id", "resp_grid_id", "status"}}
	var supSeq int64
	for _, did := range w.districtIDs {
		d := districts[did-1]
		n := max(3, int(float64(35+int(d.weight*6))*scale+0.5))
		grids := w.gridsByDistrict[did]
		level := 2
		if strings.HasSuffix(d.name, "县") {
			level = 3
		}
		for k := 0; k < n; k++ {
			supSeq++
			g := grids[r.IntN(len(grids))]
			status := 1
			if r.IntN(20) == 0 {
				status = 0
			}
			typ := 2
			if r.IntN(4) == 0 {
				typ = 1
			}
			sups.add(supSeq, personName(r), fmt.Sprintf("JD%s%04d", d.code[4:], k+1), phone(r), typ, level, did, g.resp, status)
			s := supRef{id: supSeq, district: did, resp: g.resp, x: g.x, y: g.y}
			if status == 1 {
				w.supervisors[did] = append(w.supervisors[did], s)
				w.allSupervisors = append(w.allSupervisors, s)
			}
		}
	}
	return sups
}

// buildCategories adds the category tree (type, main, sub and detail
// categories) and indexes every sub category with its parents.
func (w *world) buildCategories() *table {
	cats := &table{name: "categories", cols: []string{"id", "code", "name", "level", "parent_id", "kind", "streetlight", "waterlogging"}}
	cats.add(int64(1), "1", "部件", 1, nil, 1, 0, 0)
	cats.add(int64(2), "2", "事件", 1, nil, 2, 0, 0)
	var catSeq int64 = 100
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	for kind, mains := range [][]mainCat{componentMains, eventMains} {
		typeID := int64(kind + 1)
		for _, m := range mains {
			catSeq++
			mainID := catSeq
			cats.add(mainID, fmt.Sprintf("%d%s", kind+1, m.code), m.name, 2, typeID, kind+1, 0, 0)
			for si, s := range m.subs {
				catSeq++
				subID := catSeq
				cats.add(subID, fmt.Sprintf("%d%s%02d", kind+1, m.code, si+1), s.name, 3, mainID, kind+1, b2i(s.streetlight), b2i(s.waterlog))
				ref := subRef{typeID: typeID, mainID: mainID, subID: subID, kind: kind + 1, limit: time.Duration(s.limitHours) * time.Hour, streetlight: s.streetlight, name: s.name}
				for di, dn := range s.details {
					catSeq++
					cats.add(catSeq, fmt.Sprintf("%d%s%02d%02d", kind+1, m.code, si+1, di+1), dn, 4, subID, kind+1, b2i(s.streetlight), b2i(s.waterlog))
					ref.detailIDs = append(ref.detailIDs, catSeq)
				}
				w.subs = append(w.subs, ref)
				w.subWeights = append(w.subWeights, s.weight)
			}
		}
	}
	return cats
}

// buildTimingRules adds the timing rules: one per sub category and stage.
func (w *world) buildTimingRules() *table {
	timing := &table{name: "timing_rules", cols: []string{"id", "series_id", "activity_id", "file_condition", "timing_region_id", "limit_minutes"}}
	var tSeq int64
	for _, s := range w.subs {
		for _, st := range []struct {
			stage int
			mins  int
		}{{3, 30}, {4, int(s.limit / time.Minute)}, {5, 240}} {
			tSeq++
			region := int64(1)
			if s.limit <= 4*time.Hour {
				region = 2
			}
			timing.add(tSeq, s.subID, int64(st.stage), "符合"+s.name+"立案条件", region, st.mins)
		}
	}
	return timing
}

// buildComponents adds the components (部件): facilities with codes
// embedding the district code, indexed by sub category.
func (w *world) buildComponents(r *rand.Rand, components int, now time.Time) *table {
	comps := &table{name: "components", cols: []string{"id", "code", "name", "main_code", "sub_id", "lon", "lat", "dept_id", "owner_id", "maint_id", "unit_grid_id", "district_id", "status", "init_date", "change_date", "data_source", "remark"}}
	var compSubs []subRef
	for _, s := range w.subs {
		if s.kind == 1 {
			compSubs = append(compSubs, s)
		}
	}
	statuses := []string{"完好", "完好", "完好", "完好", "破损", "丢失", "占用"}
	for i := 0; i < components; i++ {
		did := w.districtIDs[pick(r, w.districtWeights)]
		g := w.gridsByDistrict[did][r.IntN(len(w.gridsByDistrict[did]))]
		s := compSubs[r.IntN(len(compSubs))]
		id := int64(5_000_000 + i + 1)
		code := fmt.Sprintf("%s%02d%06d", districts[did-1].code, s.subID%100, i+1)
		dept := w.deptsByDistrict[did][r.IntN(len(professionalDepts))]
		init := now.AddDate(-3-r.IntN(5), -r.IntN(12), -r.IntN(28))
		change := init.AddDate(0, r.IntN(30), 0)
		if change.After(now) {
			change = now.AddDate(0, 0, -1-r.IntN(30))
		}
		lon, lat := 103.9+r.Float64()*0.3, 30.5+r.Float64()*0.3
		comps.add(id, code, s.name, fmt.Sprintf("%02d", (s.mainID-100)%10), s.subID,
			fmt.Sprintf("%.8f", lon), fmt.Sprintf("%.8f", lat), dept, dept, dept, g.id, did,
			statuses[r.IntN(len(statuses))], init.Format(time.DateOnly), change.Format(time.DateOnly), "普查", nil)
		c := compRef{id: id, code: code, sub: s.subID, grid: g}
		w.components = append(w.components, c)
		w.compsBySub[s.subID] = append(w.compsBySub[s.subID], c)
	}
	return comps
}

// caseLookups are the case source and case stage lookup tables.
func caseLookups() (srcs, stages *table) {
	srcs = &table{name: "case_sources", cols: []string{"id", "name"}}
	for i := 1; i < len(caseSourceNames); i++ {
		srcs.add(i, caseSourceNames[i])
	}
	stages = &table{name: "case_stages", cols: []string{"id", "name"}}
	for _, s := range caseStages {
		stages.add(s.id, s.name)
	}
	return srcs, stages
}

// pick draws an index with probability proportional to weights.
func pick(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, x := range weights {
		sum += x
	}
	v := r.Float64() * sum
	for i, x := range weights {
		v -= x
		if v < 0 {
			return i
		}
	}
	return len(weights) - 1
}
