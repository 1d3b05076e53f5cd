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
	if t.IsZero() || t.After(asOf) {
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

func (w *world) genCase(r *rand.Rand, dd *dayData, id int64, caseNo string, report, asOf time.Time, actSeq, mediaSeq *int64, base int64) {
	did := w.districtIDs[pick(r, w.districtWeights)]
	sub := w.subs[pick(r, w.subWeights)]
	grid := w.gridsByDistrict[did][r.IntN(len(w.gridsByDistrict[did]))]
	var compCode any
	if sub.kind == 1 {
		if cs := w.compsBySub[sub.subID]; len(cs) > 0 && r.IntN(10) < 8 {
			c := cs[r.IntN(len(cs))]
			compCode = c.code
		}
	}
	var detail any
	if len(sub.detailIDs) > 0 {
		detail = sub.detailIDs[r.IntN(len(sub.detailIDs))]
	}
	// source: 信息采集员 60 %, 市民 15 %, 智能发现 10 %, 自报自处 10 %, 其他 5 %.
	src := []int{1, 2, 3, 4, 5}[pick(r, []float64{60, 15, 10, 10, 5})]
	var supID any
	sx, sy := grid.x+r.Float64()*200, grid.y+r.Float64()*200
	if src == 1 || src == 4 {
		if ss := w.supervisors[did]; len(ss) > 0 {
			s := ss[r.IntN(len(ss))]
			supID = s.id
		}
	}
	staffs := w.staffByDistrict[did]
	op := func() any { return staffs[r.IntN(len(staffs))] }
	urgent, urgentReason := 0, any(nil)
	if r.IntN(50) == 0 {
		urgent, urgentReason = 1, "影响交通安全"
	}

	var ev []event
	ev = append(ev, event{action: 1, stage: 1, at: report, op: supID, note: "上报"})
	var checkSend, check, checkDeadline time.Time
	t := report
	if src == 2 {
		checkSend = t.Add(minutes(r, 3, 20))
		checkDeadline = checkSend.Add(2 * time.Hour)
		check = checkSend.Add(lognormal(r, 40*time.Minute, 0.8))
		ev = append(ev, event{action: 2, stage: 1, at: check, op: supID, note: "核实属实"})
		t = check
	}
	acceptDeadline := t.Add(30 * time.Minute)
	var accept, fileT, fileDeadline, dispatch, dispatchDeadline, handleDeadline, handle, supervise, verifySend, verify, verifyDeadline, closeT, closeDeadline, archive, void time.Time
	acceptResult, fileResult, dispatchCorrect := any(nil), any(nil), any(nil)
	var dept any
	stage := 1
	rework, extDays, suspended := 0, 0, 0
	var voidStage any
	fileCond := "符合" + sub.name + "立案条件"

	accept = t.Add(lognormal(r, 8*time.Minute, 0.7))
	if r.IntN(100) < 4 {
		acceptResult = 0
		ev = append(ev, event{action: 15, stage: 10, at: accept, op: op(), note: "不属于受理范围"})
		stage = 10
		archive = accept.Add(minutes(r, 1, 5))
		goto done
	}
	acceptResult = 1
	ev = append(ev, event{action: 3, stage: 3, at: accept, op: op(), note: "受理"})
	stage = 3
	fileDeadline = accept.Add(time.Hour)
	fileT = accept.Add(lognormal(r, 12*time.Minute, 0.8))
	if r.IntN(100) < 2 {
		fileResult = 0
		ev = append(ev, event{action: 16, stage: 11, at: fileT, op: op(), note: "不符合立案条件"})
		fileT = time.Time{}
		stage = 11
		archive = accept.Add(minutes(r, 20, 60))
		goto done
	}
	fileResult = 1
	ev = append(ev, event{action: 4, stage: 3, at: fileT, op: op(), note: "立案"})
	if src == 4 {
		// 自报自处: the supervisor handles it on the spot (simple procedure).
		handle = fileT.Add(minutes(r, 5, 30))
		handleDeadline = fileT.Add(time.Hour)
		ev = append(ev, event{action: 6, stage: 4, at: handle, op: supID, note: "自行处置"})
		verifySend = handle.Add(minutes(r, 1, 5))
		verifyDeadline = verifySend.Add(4 * time.Hour)
		verify = verifySend.Add(minutes(r, 5, 60))
		ev = append(ev, event{action: 9, stage: 5, at: verify, op: supID, note: "核查通过"})
		closeDeadline = handleDeadline.Add(4 * time.Hour)
		closeT = verify.Add(minutes(r, 2, 20))
		ev = append(ev, event{action: 10, stage: 6, at: closeT, op: op(), note: "结案"})
		archive = closeT.Add(minutes(r, 1, 10))
		goto done
	}
	dispatchDeadline = fileT.Add(time.Hour)
	dispatch = fileT.Add(lognormal(r, 15*time.Minute, 0.8))
	dept = w.deptsByDistrict[did][r.IntN(len(w.deptsByDistrict[did]))]
	if r.IntN(100) < 3 {
		dispatchCorrect = 0
		ev = append(ev, event{action: 5, stage: 3, at: dispatch, op: op(), dept: dept, note: "派遣(错误,回退)"})
		dispatch = dispatch.Add(minutes(r, 20, 90))
		dept = w.deptsByDistrict[did][r.IntN(len(w.deptsByDistrict[did]))]
	} else {
		dispatchCorrect = 1
	}
	ev = append(ev, event{action: 5, stage: 4, at: dispatch, op: op(), dept: dept, note: "派遣"})
	stage = 4
	handleDeadline = dispatch.Add(sub.limit)
	if r.IntN(1000) < 12 {
		// 挂账: suspended, waits for budget or another department.
		suspended = 1
		ev = append(ev, event{action: 13, stage: 8, at: dispatch.Add(lognormal(r, sub.limit/2, 0.5)), op: op(), dept: dept, note: "挂账"})
		stage = 8
		goto done
	}
	if r.IntN(100) < 1 {
		v := dispatch.Add(lognormal(r, sub.limit/3, 0.5))
		ev = append(ev, event{action: 14, stage: 7, at: v, op: op(), note: "重复案件作废"})
		void, voidStage, stage = v, 4, 7
		archive = v.Add(minutes(r, 1, 10))
		goto done
	}
	if r.IntN(100) < 3 {
		extDays = 1 + r.IntN(3)
		handleDeadline = handleDeadline.Add(time.Duration(extDays) * 24 * time.Hour)
		ev = append(ev, event{action: 12, stage: 4, at: dispatch.Add(sub.limit / 3), op: op(), dept: dept, note: fmt.Sprintf("申请延期%d天", extDays)})
	}
	{
		dur := lognormal(r, time.Duration(float64(sub.limit)*0.45), 0.6)
		handle = dispatch.Add(dur)
		if handle.After(handleDeadline) {
			supervise = handleDeadline.Add(minutes(r, 30, 180))
			if supervise.Before(handle) {
				ev = append(ev, event{action: 7, stage: 9, at: supervise, op: op(), dept: dept, note: "超期督办"})
			} else {
				supervise = time.Time{}
			}
		}
		ev = append(ev, event{action: 6, stage: 5, at: handle, op: op(), dept: dept, note: "处置完毕"})
		verifySend = handle.Add(minutes(r, 5, 30))
		verifyDeadline = verifySend.Add(4 * time.Hour)
		ev = append(ev, event{action: 8, stage: 5, at: verifySend, op: op(), note: "发核查"})
		verify = verifySend.Add(lognormal(r, 70*time.Minute, 0.7))
		if r.IntN(100) < 5 {
			// 返工: the verification fails, the department handles again.
			rework = 1
			ev = append(ev, event{action: 11, stage: 4, at: verify, op: op(), dept: dept, note: "核查未通过,返工"})
			handle = verify.Add(lognormal(r, time.Duration(float64(sub.limit)*0.3), 0.5))
			ev = append(ev, event{action: 6, stage: 5, at: handle, op: op(), dept: dept, note: "返工处置完毕"})
			verifySend = handle.Add(minutes(r, 5, 30))
			verifyDeadline = verifySend.Add(4 * time.Hour)
			ev = append(ev, event{action: 8, stage: 5, at: verifySend, op: op(), note: "发核查"})
			verify = verifySend.Add(lognormal(r, 70*time.Minute, 0.7))
		}
		ev = append(ev, event{action: 9, stage: 5, at: verify, op: supID, note: "核查通过"})
		closeDeadline = handleDeadline.Add(4 * time.Hour)
		closeT = verify.Add(lognormal(r, 15*time.Minute, 0.6))
		ev = append(ev, event{action: 10, stage: 6, at: closeT, op: op(), note: "结案"})
		archive = closeT.Add(minutes(r, 1, 10))
	}
done:
	for i := range ev {
		ev[i].at = ev[i].at.Truncate(time.Second)
	}
	// the stage is that of the last event that has happened by asOf; the
	// 督查 side state lasts until the case is handled.
	updated := report
	for _, e := range ev {
		if !e.at.After(asOf) {
			stage = e.stage
			updated = e.at
		}
	}
	if !archive.IsZero() && !archive.After(asOf) {
		updated = archive
	}
	cut := func(x time.Time) time.Time {
		if x.After(asOf) {
			return time.Time{}
		}
		return x.Truncate(time.Second)
	}
	anchor := func(deadline, anchor time.Time) any {
		if cut(anchor).IsZero() {
			return nil
		}
		return nt(deadline.Truncate(time.Second), deadline.Add(time.Hour))
	}
	if cut(accept).IsZero() {
		acceptResult = nil
	}
	if cut(fileT).IsZero() && fileResult == 1 {
		fileResult = nil
	}
	if fileResult == 0 && ev[len(ev)-1].at.After(asOf) {
		fileResult = nil
	}
	if cut(dispatch).IsZero() {
		dispatchCorrect, dept = nil, nil
	}
	if cut(verify).IsZero() && rework == 1 {
		// the rework is known only once the first verification happened;
		// keep it simple: count it when the final verification happened.
		rework = 0
	}
	if extDays > 0 && cut(dispatch.Add(sub.limit/3)).IsZero() {
		extDays = 0
		handleDeadline = dispatch.Add(sub.limit)
	}
	if suspended == 1 && stage != 8 {
		suspended = 0
	}
	if void.After(asOf) {
		voidStage = nil
	}
	addr := fmt.Sprintf("%s%s附近", w.districtName[did], grid.code)
	dd.cases.add(id, caseNo, caseNo[2:], src, sub.kind, sub.typeID, sub.mainID, sub.subID, detail, fileCond, compCode,
		did, grid.street, grid.community, grid.id, grid.resp, fmt.Sprintf("%.3f", sx), fmt.Sprintf("%.3f", sy),
		addr, sub.name+"问题", supID, dept, urgent, urgentReason, stage,
		nt(report, asOf), nt(checkSend, asOf), nt(check, asOf), anchor(checkDeadline, checkSend),
		nt(accept, asOf), nt(acceptDeadline, acceptDeadline), acceptResult,
		nt(fileT, asOf), anchor(fileDeadline, accept), fileResult,
		nt(dispatch, asOf), anchor(dispatchDeadline, fileT), dispatchCorrect,
		anchor(handleDeadline, dispatch), nt(handle, asOf), nt(supervise, asOf),
		nt(verifySend, asOf), nt(verify, asOf), anchor(verifyDeadline, verifySend),
		nt(closeT, asOf), anchor(closeDeadline, dispatch), nt(archive, asOf), nt(void, asOf),
		rework, extDays, suspended, voidStage, updated.Format("2006-01-02 15:04:05.000"))

	// activities: one per event that has happened, each ending when the
	// next starts.
	seq := 0
	for i, e := range ev {
		if e.at.After(asOf) {
			break
		}
		seq++
		*actSeq++
		var end any
		if i+1 < len(ev) && !ev[i+1].at.After(asOf) {
			end = nt(ev[i+1].at, asOf)
		}
		dd.activities.add(base*10+*actSeq, id, seq, e.stage, actionNames[e.action], e.op, e.dept, e.note, nt(e.at, asOf), end)
	}
	// media: a photo at report, before/after photos when handled.
	addMedia := func(usage int, at time.Time, kind string) {
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
	if src == 3 {
		kind = "视频"
	}
	addMedia(1, report, kind)
	if !handle.IsZero() {
		addMedia(2, dispatch.Add(10*time.Minute), "图片")
		addMedia(3, handle, "图片")
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
