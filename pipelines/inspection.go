package pipelines

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The daily inspection log (日常巡检记录) of the operations contract: one
// entry per day, saying when the day's check ran and whether it ran in
// time. The assessment deducts for every day without an inspection
// record ("未提供日巡检记录，每有一次扣 0.2 分"); only a check that ran in
// time counts: a reconciliation run later over past days re-judges them,
// but does not make them inspected.

// DefaultInspectionDeadline is when a day's check is due, counted from
// the end of the day: 09:00 the next morning, before the working day
// starts and after the nightly pushes (daily_after_2300) and the
// statistics (computed after midnight) are in.
const DefaultInspectionDeadline = 9 * time.Hour

// ParseInspectionDeadline reads the config value inspection_deadline:
// hh:mm counted from the end of the day, so "09:00" is 09:00 the next
// morning and "33:00" 09:00 the morning after; "" is the default.
func ParseInspectionDeadline(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultInspectionDeadline, nil
	}
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 47 || mm < 0 || mm > 59 || (hh == 0 && mm == 0) {
		return 0, fmt.Errorf("inspection deadline %q: want hh:mm after the day's end, from 00:01 (the next morning) to 47:59", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// DailyCheck is one finished reconcile run that judged windows of a day,
// and what it found there (window counts by verdict group).
type DailyCheck struct {
	RunID             string
	Started, Finished time.Time
	Windows, OK       int
	Pending, Late     int
	Missed, Other     int // missed: missed or stale; other: short, excess, duplicate, failed, mismatch
	Unverifiable      int
}

// Problems is the number of windows the check found at fault.
func (c DailyCheck) Problems() int { return c.Late + c.Missed + c.Other }

// InspectionState is how a day's inspection stands.
type InspectionState int

const (
	// InspectedInTime: a check finished after the day ended and by the
	// deadline. The only state that counts as an inspection record.
	InspectedInTime InspectionState = iota
	// InspectedLate: no check in time; one finished after the deadline (a
	// later reconciliation).
	InspectedLate
	// NotInspected: the deadline passed without any check after the day
	// ended (runs during the day cannot have judged its last windows).
	NotInspected
	// InspectionNotDue: no check in time yet, and the deadline is still
	// ahead.
	InspectionNotDue
	// InspectionUntracked: the day ended before pushaudit's first run:
	// the warehouse cannot tell, and the day is not counted.
	InspectionUntracked
)

// Inspection is one day of the inspection log.
type Inspection struct {
	Day      time.Time // 00:00
	Deadline time.Time
	State    InspectionState
	// Check is the run that counts: the first to finish within [day end,
	// deadline]; else (late) the first after the deadline; nil when none.
	Check *DailyCheck
	// Runs is the number of checks of the day (all runs that judged its
	// windows, during the day and later).
	Runs int
}

// InspectionLog is the log of days (00:00 each, in order) from checks,
// the finished reconcile runs that judged each day's windows (by day as
// 2006-01-02), with the deadline after each day's end, pushaudit's first
// run (zero: none yet) and now.
func InspectionLog(days []time.Time, checks map[string][]DailyCheck, deadline time.Duration, firstRun, now time.Time) []Inspection {
	out := make([]Inspection, 0, len(days))
	for _, d := range days {
		end := d.AddDate(0, 0, 1)
		in := Inspection{Day: d, Deadline: end.Add(deadline)}
		cs := append([]DailyCheck(nil), checks[d.Format("2006-01-02")]...)
		sort.Slice(cs, func(i, j int) bool {
			if !cs[i].Finished.Equal(cs[j].Finished) {
				return cs[i].Finished.Before(cs[j].Finished)
			}
			return cs[i].RunID < cs[j].RunID
		})
		in.Runs = len(cs)
		var inTime, late *DailyCheck
		for i := range cs {
			c := &cs[i]
			switch {
			case c.Finished.Before(end):
			case !c.Finished.After(in.Deadline):
				if inTime == nil {
					inTime = c
				}
			case late == nil:
				late = c
			}
		}
		switch {
		case firstRun.IsZero() || !end.After(firstRun):
			in.State, in.Check = InspectionUntracked, inTime
			if in.Check == nil {
				in.Check = late
			}
		case inTime != nil:
			in.State, in.Check = InspectedInTime, inTime
		case in.Deadline.After(now):
			in.State = InspectionNotDue
		case late != nil:
			in.State, in.Check = InspectedLate, late
		default:
			in.State = NotInspected
		}
		out = append(out, in)
	}
	return out
}

// InspectedDays are the days of log (as 2006-01-02) with an inspection
// record in time: what the assessment counts (InspectionDays).
func InspectedDays(log []Inspection) map[string]bool {
	out := map[string]bool{}
	for _, in := range log {
		if in.State == InspectedInTime {
			out[in.Day.Format("2006-01-02")] = true
		}
	}
	return out
}

// InspectionCounts are the days of log the assessment counts, those
// whose deadline passed after pushaudit's first run, and of them those
// with an inspection record in time. A day whose deadline is still ahead
// is not yet missing.
func InspectionCounts(log []Inspection) (due, inTime int) {
	for _, in := range log {
		switch in.State {
		case InspectedInTime:
			due++
			inTime++
		case InspectedLate, NotInspected:
			due++
		}
	}
	return due, inTime
}
