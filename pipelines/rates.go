package pipelines

// The rates the reports show. Each is a share of what could be judged; ok
// is false when nothing could be (the report leaves the rate blank, never
// 0 % or 100 %).

// Rate is num / den; ok is false when den is 0.
func Rate(num, den int64) (r float64, ok bool) {
	if den == 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// Completeness is the share of the due windows that could be judged whose
// data arrived whole, on time or late: (on time + late) / (due −
// unverifiable). An unverifiable window is neither complete nor missing.
func Completeness(onTime, late, due, unverifiable int) (float64, bool) {
	return Rate(int64(onTime+late), int64(due-unverifiable))
}

// OnTimeRate is the share of the due windows that could be judged pushed
// whole by their deadline: on time / (due − unverifiable).
func OnTimeRate(onTime, due, unverifiable int) (float64, bool) {
	return Rate(int64(onTime), int64(due-unverifiable))
}

// CloseRate is 结案率 = 结案数 / 应结案数, where 应结案数 are the cases
// handled plus the cases overdue and still unhandled.
func CloseRate(closed, toClose int64) (float64, bool) { return Rate(closed, toClose) }

// OnTimeCloseRate is 按期结案率 = 按期结案数 / 应结案数.
func OnTimeCloseRate(closedOnTime, toClose int64) (float64, bool) {
	return Rate(closedOnTime, toClose)
}

// ResolvedInTimeRate is the share of the faults whose resolve limit
// (table 3-5) has been put to the test that met it: resolved in time /
// (resolved + open past the limit). A fault open within its limit is not
// counted yet.
func ResolvedInTimeRate(inTime, resolved, openOverdue int) (float64, bool) {
	return Rate(int64(inTime), int64(resolved+openOverdue))
}
