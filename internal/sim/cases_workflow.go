package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// simCase is one simulated case: what was reported where, and its workflow
// from report to archive as the stage times, outcomes and events that
// become its cases row and its activities. Every draw comes from r, in the
// order the workflow unfolds, so the case depends only on the seed.
type simCase struct {
	r *rand.Rand

	// what was reported, where and by whom.
	did          int64
	sub          subRef
	grid         gridRef
	compCode     any
	detail       any
	src          int
	supID        any
	sx, sy       float64
	staffs       []int64 // the district's staff, who operate the workflow
	depts        []int64 // the departments the case can be dispatched to
	urgent       int
	urgentReason any
	fileCond     string

	// the workflow.
	ev                                        []event
	report, checkSend, check, checkDeadline   time.Time
	accept, acceptDeadline                    time.Time
	fileT, fileDeadline                       time.Time
	dispatch, dispatchDeadline                time.Time
	handle, handleDeadline, supervise         time.Time
	verifySend, verify, verifyDeadline        time.Time
	closeT, closeDeadline, archive, void      time.Time
	acceptResult, fileResult, dispatchCorrect any
	dept                                      any
	stage                                     int
	rework, extDays, suspended                int
	voidStage                                 any
	updated                                   time.Time
}

// op draws the staff member who performs a step.
func (c *simCase) op() any { return c.staffs[c.r.IntN(len(c.staffs))] }

// addEvent records a workflow step.
func (c *simCase) addEvent(e event) { c.ev = append(c.ev, e) }

// run plays the workflow. A case leaves it early when rejected at
// acceptance or filing, handled on the spot, suspended or voided.
func (c *simCase) run() {
	t := c.reportAndCheck()
	if !c.acceptCase(t) {
		return
	}
	if !c.fileCase() {
		return
	}
	if c.src == 4 {
		c.selfHandle()
		return
	}
	c.dispatchCase()
	if c.suspend() {
		return
	}
	if c.voidDuplicate() {
		return
	}
	c.extend()
	c.handleCase()
	c.verifyCase()
	c.closeCase()
}

// reportAndCheck records the report and, for a citizen's report, its
// verification on site; it returns when the case reaches acceptance.
func (c *simCase) reportAndCheck() time.Time {
	c.addEvent(event{action: 1, stage: 1, at: c.report, op: c.supID, note: "上报"})
	t := c.report
	if c.src == 2 {
		c.checkSend = t.Add(minutes(c.r, 3, 20))
		c.checkDeadline = c.checkSend.Add(2 * time.Hour)
		c.check = c.checkSend.Add(lognormal(c.r, 40*time.Minute, 0.8))
		c.addEvent(event{action: 2, stage: 1, at: c.check, op: c.supID, note: "核实属实"})
		t = c.check
	}
	return t
}

// acceptCase accepts the case or rejects it as out of scope (then archived);
// it reports whether the case goes on.
func (c *simCase) acceptCase(t time.Time) bool {
	c.acceptDeadline = t.Add(30 * time.Minute)
	c.accept = t.Add(lognormal(c.r, 8*time.Minute, 0.7))
	if c.r.IntN(100) < 4 {
		c.acceptResult = 0
		c.addEvent(event{action: 15, stage: 10, at: c.accept, op: c.op(), note: "不属于受理范围"})
		c.stage = 10
		c.archive = c.accept.Add(minutes(c.r, 1, 5))
		return false
	}
	c.acceptResult = 1
	c.addEvent(event{action: 3, stage: 3, at: c.accept, op: c.op(), note: "受理"})
	c.stage = 3
	return true
}

// fileCase files the case or finds it does not meet the filing conditions
// (then archived); it reports whether the case goes on.
func (c *simCase) fileCase() bool {
	c.fileDeadline = c.accept.Add(time.Hour)
	c.fileT = c.accept.Add(lognormal(c.r, 12*time.Minute, 0.8))
	if c.r.IntN(100) < 2 {
		c.fileResult = 0
		c.addEvent(event{action: 16, stage: 11, at: c.fileT, op: c.op(), note: "不符合立案条件"})
		c.fileT = time.Time{}
		c.stage = 11
		c.archive = c.accept.Add(minutes(c.r, 20, 60))
		return false
	}
	c.fileResult = 1
	c.addEvent(event{action: 4, stage: 3, at: c.fileT, op: c.op(), note: "立案"})
	return true
}

// selfHandle is 自报自处: the supervisor handles it on the spot (simple
// procedure), then it is verified, closed and archived.
func (c *simCase) selfHandle() {
	c.handle = c.fileT.Add(minutes(c.r, 5, 30))
	c.handleDeadline = c.fileT.Add(time.Hour)
	c.addEvent(event{action: 6, stage: 4, at: c.handle, op: c.supID, note: "自行处置"})
	c.verifySend = c.handle.Add(minutes(c.r, 1, 5))
	c.verifyDeadline = c.verifySend.Add(4 * time.Hour)
	c.verify = c.verifySend.Add(minutes(c.r, 5, 60))
	c.addEvent(event{action: 9, stage: 5, at: c.verify, op: c.supID, note: "核查通过"})
	c.closeDeadline = c.handleDeadline.Add(4 * time.Hour)
	c.closeT = c.verify.Add(minutes(c.r, 2, 20))
	c.addEvent(event{action: 10, stage: 6, at: c.closeT, op: c.op(), note: "结案"})
	c.archive = c.closeT.Add(minutes(c.r, 1, 10))
}

// dispatchCase dispatches the case to a department, sometimes wrongly
// first (sent back and dispatched again), and sets the handling deadline.
func (c *simCase) dispatchCase() {
	c.dispatchDeadline = c.fileT.Add(time.Hour)
	c.dispatch = c.fileT.Add(lognormal(c.r, 15*time.Minute, 0.8))
	c.dept = c.depts[c.r.IntN(len(c.depts))]
	if c.r.IntN(100) < 3 {
		c.dispatchCorrect = 0
		c.addEvent(event{action: 5, stage: 3, at: c.dispatch, op: c.op(), dept: c.dept, note: "派遣(错误,回退)"})
		c.dispatch = c.dispatch.Add(minutes(c.r, 20, 90))
		c.dept = c.depts[c.r.IntN(len(c.depts))]
	} else {
		c.dispatchCorrect = 1
	}
	c.addEvent(event{action: 5, stage: 4, at: c.dispatch, op: c.op(), dept: c.dept, note: "派遣"})
	c.stage = 4
	c.handleDeadline = c.dispatch.Add(c.sub.limit)
}

// suspend reports whether the case is suspended, which ends its workflow.
func (c *simCase) suspend() bool {
	if c.r.IntN(1000) < 12 {
		// 挂账: suspended, waits for budget or another department.
		c.suspended = 1
		c.addEvent(event{action: 13, stage: 8, at: c.dispatch.Add(lognormal(c.r, c.sub.limit/2, 0.5)), op: c.op(), dept: c.dept, note: "挂账"})
		c.stage = 8
		return true
	}
	return false
}

// voidDuplicate reports whether the case is voided as a duplicate (then
// archived), which ends its workflow.
func (c *simCase) voidDuplicate() bool {
	if c.r.IntN(100) < 1 {
		v := c.dispatch.Add(lognormal(c.r, c.sub.limit/3, 0.5))
		c.addEvent(event{action: 14, stage: 7, at: v, op: c.op(), note: "重复案件作废"})
		c.void, c.voidStage, c.stage = v, 4, 7
		c.archive = v.Add(minutes(c.r, 1, 10))
		return true
	}
	return false
}

// extend sometimes grants the department a few more days to handle it.
func (c *simCase) extend() {
	if c.r.IntN(100) < 3 {
		c.extDays = 1 + c.r.IntN(3)
		c.handleDeadline = c.handleDeadline.Add(time.Duration(c.extDays) * 24 * time.Hour)
		c.addEvent(event{action: 12, stage: 4, at: c.dispatch.Add(c.sub.limit / 3), op: c.op(), dept: c.dept, note: fmt.Sprintf("申请延期%d天", c.extDays)})
	}
}

// handleCase has the department handle the case, supervised when it runs
// past the deadline, and sends it for verification.
func (c *simCase) handleCase() {
	dur := lognormal(c.r, time.Duration(float64(c.sub.limit)*0.45), 0.6)
	c.handle = c.dispatch.Add(dur)
	if c.handle.After(c.handleDeadline) {
		c.supervise = c.handleDeadline.Add(minutes(c.r, 30, 180))
		if c.supervise.Before(c.handle) {
			c.addEvent(event{action: 7, stage: 9, at: c.supervise, op: c.op(), dept: c.dept, note: "超期督办"})
		} else {
			c.supervise = time.Time{}
		}
	}
	c.addEvent(event{action: 6, stage: 5, at: c.handle, op: c.op(), dept: c.dept, note: "处置完毕"})
	c.verifySend = c.handle.Add(minutes(c.r, 5, 30))
	c.verifyDeadline = c.verifySend.Add(4 * time.Hour)
	c.addEvent(event{action: 8, stage: 5, at: c.verifySend, op: c.op(), note: "发核查"})
}

// verifyCase verifies the handling, which sometimes fails once and sends
// the case back to the department.
func (c *simCase) verifyCase() {
	c.verify = c.verifySend.Add(lognormal(c.r, 70*time.Minute, 0.7))
	if c.r.IntN(100) < 5 {
		// 返工: the verification fails, the department handles again.
		c.rework = 1
		c.addEvent(event{action: 11, stage: 4, at: c.verify, op: c.op(), dept: c.dept, note: "核查未通过,返工"})
		c.handle = c.verify.Add(lognormal(c.r, time.Duration(float64(c.sub.limit)*0.3), 0.5))
		c.addEvent(event{action: 6, stage: 5, at: c.handle, op: c.op(), dept: c.dept, note: "返工处置完毕"})
		c.verifySend = c.handle.Add(minutes(c.r, 5, 30))
		c.verifyDeadline = c.verifySend.Add(4 * time.Hour)
		c.addEvent(event{action: 8, stage: 5, at: c.verifySend, op: c.op(), note: "发核查"})
		c.verify = c.verifySend.Add(lognormal(c.r, 70*time.Minute, 0.7))
	}
	c.addEvent(event{action: 9, stage: 5, at: c.verify, op: c.supID, note: "核查通过"})
}

// closeCase closes and archives the verified case.
func (c *simCase) closeCase() {
	c.closeDeadline = c.handleDeadline.Add(4 * time.Hour)
	c.closeT = c.verify.Add(lognormal(c.r, 15*time.Minute, 0.6))
	c.addEvent(event{action: 10, stage: 6, at: c.closeT, op: c.op(), note: "结案"})
	c.archive = c.closeT.Add(minutes(c.r, 1, 10))
}

// cutAt cuts the workflow at the simulation's clock: the stage and update
// time are those reached by asOf, and outcomes not yet known are hidden.
func (c *simCase) cutAt(asOf time.Time) {
	for i := range c.ev {
		c.ev[i].at = c.ev[i].at.Truncate(time.Second)
	}
	// the stage is that of the last event that has happened by asOf; the
	// 督查 side state lasts until the case is handled.
	c.updated = c.report
	for _, e := range c.ev {
		if !e.at.After(asOf) {
			c.stage = e.stage
			c.updated = e.at
		}
	}
	if !c.archive.IsZero() && !c.archive.After(asOf) {
		c.updated = c.archive
	}
	c.hideFuture(asOf)
}

// hideFuture clears the outcomes of the steps that happen after asOf.
func (c *simCase) hideFuture(asOf time.Time) {
	if notYet(c.accept, asOf) {
		c.acceptResult = nil
	}
	if notYet(c.fileT, asOf) && c.fileResult == 1 {
		c.fileResult = nil
	}
	if c.fileResult == 0 && c.ev[len(c.ev)-1].at.After(asOf) {
		c.fileResult = nil
	}
	if notYet(c.dispatch, asOf) {
		c.dispatchCorrect, c.dept = nil, nil
	}
	if notYet(c.verify, asOf) && c.rework == 1 {
		// the rework is known only once the first verification happened;
		// keep it simple: count it when the final verification happened.
		c.rework = 0
	}
	if c.extDays > 0 && notYet(c.dispatch.Add(c.sub.limit/3), asOf) {
		c.extDays = 0
		c.handleDeadline = c.dispatch.Add(c.sub.limit)
	}
	if c.suspended == 1 && c.stage != 8 {
		c.suspended = 0
	}
	if c.void.After(asOf) {
		c.voidStage = nil
	}
}

// notYet says whether the step at x has not happened by asOf (it never
// does, or later).
func notYet(x, asOf time.Time) bool { return x.IsZero() || x.After(asOf) }

// anchoredDeadline is the deadline, known only once its anchor step has
// happened by asOf.
func anchoredDeadline(deadline, anchor, asOf time.Time) any {
	if notYet(anchor, asOf) {
		return nil
	}
	return nt(deadline.Truncate(time.Second), deadline.Add(time.Hour))
}
