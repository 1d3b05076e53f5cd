package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// hourWeights is the daily rhythm of reports: quiet at night, peaks in the
// late morning and the afternoon.
var hourWeights = []float64{0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 6, 6.5, 6, 4.5, 4, 5.5, 6, 5.5, 4.5, 3, 2.2, 1.8, 1.4, 0.9, 0.5}

// weekdayFactor is the weekly rhythm, normalised so a week averages 1.
func weekdayFactor(d time.Weekday) float64 {
	if d == time.Saturday || d == time.Sunday {
		return 0.75 / (5.0/7 + 2*0.75/7)
	}
	return 1 / (5.0/7 + 2*0.75/7)
}

var caseCols = []string{"id", "case_no", "task_no", "source_id", "kind", "type_id", "main_id", "sub_id", "detail_id", "file_condition", "component_code", "district_id", "street_id", "community_id", "unit_grid_id", "resp_grid_id", "x", "y", "address", "description", "supervisor_id", "dept_id", "urgent", "urgent_reason", "stage_id", "report_time", "check_send_time", "check_time", "check_deadline", "accept_time", "accept_deadline", "accept_result", "file_time", "file_deadline", "file_result", "dispatch_time", "dispatch_deadline", "dispatch_correct", "handle_deadline", "handle_time", "supervise_time", "verify_send_time", "verify_time", "verify_deadline", "close_time", "close_deadline", "archive_time", "void_time", "rework_count", "extension_days", "suspended", "void_stage_id", "updated_at"}

var activityCols = []string{"id", "case_id", "seq", "stage_id", "action_name", "operator_id", "dept_id", "opinion", "start_time", "end_time"}
var mediaCols = []string{"id", "case_id", "usage_id", "media_type", "name", "path", "created_at"}
var trackCols = []string{"id", "supervisor_id", "upload_time", "lon", "lat"}
var statusCols = []string{"id", "supervisor_id", "status_time", "online", "x", "y", "state"}

// dayData is everything the business DB gains on one simulated day.
type dayData struct {
	cases, activities, media, tracks, status *table
}

// nt is a nullable time: nil when zero or after the simulation's clock.
func nt(t, asOf time.Time) any {
	if notYet(t, asOf) {
		return nil
	}
	return t.Format("2006-01-02 15:04:05")
}

func minutes(r *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo+r.IntN(hi-lo+1)) * time.Minute
}

// lognormal draws a duration around median m with spread s.
func lognormal(r *rand.Rand, m time.Duration, s float64) time.Duration {
	return time.Duration(float64(m) * math.Exp(r.NormFloat64()*s))
}

// genDay generates the cases reported on day (00:00 Shanghai) up to asOf,
// with their whole workflow cut at asOf, and the day's supervisor tracks
// and status samples. IDs are derived from dayIndex so days are
// independent and the result depends only on the seed.
func (w *world) genDay(seed uint64, dayIndex int, day, asOf time.Time, casesPerDay int) *dayData {
	r := rand.New(rand.NewPCG(seed, uint64(dayIndex)+1))
	dd := &dayData{
		cases:      &table{name: "cases", cols: caseCols},
		activities: &table{name: "case_activities", cols: activityCols},
		media:      &table{name: "media", cols: mediaCols},
		tracks:     &table{name: "supervisor_tracks", cols: trackCols},
		status:     &table{name: "supervisor_status", cols: statusCols},
	}
	n := int(float64(casesPerDay)*weekdayFactor(day.Weekday())*(0.97+0.06*r.Float64()) + 0.5)
	// report times: sorted draws from the daily rhythm.
	var total float64
	for _, x := range hourWeights {
		total += x
	}
	times := make([]time.Time, 0, n)
	for h, weight := range hourWeights {
		k := int(float64(n)*weight/total + r.Float64())
		for i := 0; i < k; i++ {
			times = append(times, day.Add(time.Duration(h)*time.Hour+time.Duration(r.Int64N(int64(time.Hour)))).Truncate(time.Second))
		}
	}
	sortTimes(times)
	base := int64(dayIndex+1) * 1_000_000
	var actSeq, mediaSeq int64
	for i, rt := range times {
		if !rt.Before(asOf) {
			break
		}
		id := base + int64(i+1)
		w.genCase(r, dd, id, fmt.Sprintf("CD%s%06d", day.Format("20060102"), i+1), rt, asOf, &actSeq, &mediaSeq, base)
	}
	w.genSupervisors(r, dd, day, asOf, base)
	return dd
}

func sortTimes(ts []time.Time) { slices.SortFunc(ts, time.Time.Compare) }

type event struct {
	action int
	stage  int
	at     time.Time
	dept   any
	op     any
	note   string
}

// genCase generates one case reported at report: what and where, its
// workflow, and the rows it leaves by asOf.
func (w *world) genCase(r *rand.Rand, dd *dayData, id int64, caseNo string, report, asOf time.Time, actSeq, mediaSeq *int64, base int64) {
	c := w.drawCase(r, report)
	c.run()
	c.cutAt(asOf)
	w.addCaseRow(dd, c, id, caseNo, asOf)
	c.addActivities(dd, id, asOf, actSeq, base)
	c.addMedia(dd, id, caseNo, asOf, mediaSeq, base)
}

// drawCase draws what is reported where, by which source and supervisor,
// and whether it is urgent.
func (w *world) drawCase(r *rand.Rand, report time.Time) *simCase {
	c := &simCase{r: r, report: report, stage: 1}
	c.did = w.districtIDs[pick(r, w.districtWeights)]
	c.sub = w.subs[pick(r, w.subWeights)]
	c.grid = w.gridsByDistrict[c.did][r.IntN(len(w.gridsByDistrict[c.did]))]
	if c.sub.kind == 1 {
		if cs := w.compsBySub[c.sub.subID]; len(cs) > 0 && r.IntN(10) < 8 {
			comp := cs[r.IntN(len(cs))]
			c.compCode = comp.code
		}
	}
	if len(c.sub.detailIDs) > 0 {
		c.detail = c.sub.detailIDs[r.IntN(len(c.sub.detailIDs))]
	}
	// source: 信息采集员 60 %, 市民 15 %, 智能发现 10 %, 自报自处 10 %, 其他 5 %.
	c.src = []int{1, 2, 3, 4, 5}[pick(r, []float64{60, 15, 10, 10, 5})]
	c.sx, c.sy = c.grid.x+r.Float64()*200, c.grid.y+r.Float64()*200
	if c.src == 1 || c.src == 4 {
		if ss := w.supervisors[c.did]; len(ss) > 0 {
			s := ss[r.IntN(len(ss))]
			c.supID = s.id
		}
	}
	c.staffs = w.staffByDistrict[c.did]
	c.depts = w.deptsByDistrict[c.did]
	if r.IntN(50) == 0 {
		c.urgent, c.urgentReason = 1, "影响交通安全"
	}
	c.fileCond = "符合" + c.sub.name + "立案条件"
	return c
}

// addCaseRow adds the case's row as it stands at asOf.
func (w *world) addCaseRow(dd *dayData, c *simCase, id int64, caseNo string, asOf time.Time) {
	anchor := func(deadline, anchor time.Time) any { return anchoredDeadline(deadline, anchor, asOf) }
	addr := fmt.Sprintf("%s%s附近", w.districtName[c.did], c.grid.code)
	dd.cases.add(id, caseNo, caseNo[2:], c.src, c.sub.kind, c.sub.typeID, c.sub.mainID, c.sub.subID, c.detail, c.fileCond, c.compCode,
		c.did, c.grid.street, c.grid.community, c.grid.id, c.grid.resp, fmt.Sprintf("%.3f", c.sx), fmt.Sprintf("%.3f", c.sy),
		addr, c.sub.name+"问题", c.supID, c.dept, c.urgent, c.urgentReason, c.stage,
		nt(c.report, asOf), nt(c.checkSend, asOf), nt(c.check, asOf), anchor(c.checkDeadline, c.checkSend),
		nt(c.accept, asOf), nt(c.acceptDeadline, c.acceptDeadline), c.acceptResult,
		nt(c.fileT, asOf), anchor(c.fileDeadline, c.accept), c.fileResult,
		nt(c.dispatch, asOf), anchor(c.dispatchDeadline, c.fileT), c.dispatchCorrect,
		anchor(c.handleDeadline, c.dispatch), nt(c.handle, asOf), nt(c.supervise, asOf),
		nt(c.verifySend, asOf), nt(c.verify, asOf), anchor(c.verifyDeadline, c.verifySend),
		nt(c.closeT, asOf), anchor(c.closeDeadline, c.dispatch), nt(c.archive, asOf), nt(c.void, asOf),
		c.rework, c.extDays, c.suspended, c.voidStage, c.updated.Format("2006-01-02 15:04:05.000"))
}

// addActivities adds one activity per event that has happened, each ending
// when the next starts.
func (c *simCase) addActivities(dd *dayData, id int64, asOf time.Time, actSeq *int64, base int64) {
	seq := 0
	for i, e := range c.ev {
		if e.at.After(asOf) {
			break
		}
		seq++
		*actSeq++
		var end any
		if i+1 < len(c.ev) && !c.ev[i+1].at.After(asOf) {
			end = nt(c.ev[i+1].at, asOf)
		}
		dd.activities.add(base*10+*actSeq, id, seq, e.stage, actionNames[e.action], e.op, e.dept, e.note, nt(e.at, asOf), end)
	}
}

// addMedia adds a photo (a video when found by smart discovery) at report,
// and before/after photos when handled.
func (c *simCase) addMedia(dd *dayData, id int64, caseNo string, asOf time.Time, mediaSeq *int64, base int64) {
	add := func(usage int, at time.Time, kind string) {
		if at.IsZero() || at.After(asOf) {
			return
		}
		*mediaSeq++
		mid := base*10 + *mediaSeq
		name := fmt.Sprintf("%s_%d.jpg", caseNo, usage)
		if kind == "视频" {
			name = fmt.Sprintf("%s_%d.mp4", caseNo, usage)
		}
		dd.media.add(mid, id, usage, kind, name, fmt.Sprintf("/media/%s/%s/%s", at.Format("2006/01/02"), caseNo, name), nt(at, asOf))
	}
	kind := "图片"
	if c.src == 3 {
		kind = "视频"
	}
	add(1, c.report, kind)
	if !c.handle.IsZero() {
		add(2, c.dispatch.Add(10*time.Minute), "图片")
		add(3, c.handle, "图片")
	}
}

// genSupervisors adds the day's GPS tracks (every 10 minutes on shift,
// 08:30–17:30) and the half-hourly online/position status samples.
func (w *world) genSupervisors(r *rand.Rand, dd *dayData, day, asOf time.Time, base int64) {
	var trackSeq, statusSeq int64
	shiftStart := day.Add(8*time.Hour + 30*time.Minute)
	states := []string{"巡查", "巡查", "巡查", "上报", "核查", "休息"}
	for _, s := range w.allSupervisors {
		if r.IntN(10) == 0 {
			continue // day off
		}
		x, y := s.x, s.y
		for t := shiftStart; t.Before(shiftStart.Add(9 * time.Hour)); t = t.Add(10 * time.Minute) {
			if !t.Before(asOf) {
				break
			}
			x += (r.Float64() - 0.5) * 150
			y += (r.Float64() - 0.5) * 150
			at := t.Add(time.Duration(r.IntN(60)) * time.Second)
			trackSeq++
			lon := 103.9 + (x-500000)/96000
			lat := 30.5 + (y-3390000)/111000
			dd.tracks.add(base*10+trackSeq, s.id, nt(at, asOf), fmt.Sprintf("%.8f", lon), fmt.Sprintf("%.8f", lat))
			if t.Minute()%30 == 0 {
				statusSeq++
				online := 1
				if r.IntN(25) == 0 {
					online = 0
				}
				dd.status.add(base*10+statusSeq, s.id, nt(t, asOf), online, fmt.Sprintf("%.3f", x), fmt.Sprintf("%.3f", y), states[r.IntN(len(states))])
			}
		}
	}
}
