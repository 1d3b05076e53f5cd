package pipelines

// The yearly assessment: "年度考核得分为各季度考核得分的算数平均数". A year
// is scored quarter by quarter ("采用季度考核、按季度结算的方式进行"), each
// quarter from its own facts, and the year is their average; the year's
// deductions are never subtracted from 100 in one sum.

import "time"

// QuarterFacts are what the warehouse proves about one quarter of a year.
// Assessed is false for a quarter the warehouse cannot judge: one that
// had not begun by the as-of time, or ended before the first run.
type QuarterFacts struct {
	Name     string // e.g. "2026-Q1"
	Assessed bool
	Facts    AssessmentFacts
}

// QuarterScore is one quarter's assessment: its deductions and its score
// (100 less them). Both are zero for a quarter not assessed.
type QuarterScore struct {
	Name            string
	Assessed        bool
	Deducted, Score float64
}

// QuarterAssessed says whether the quarter [start, end) can be judged at
// asOf by a warehouse that first ran at firstRun (zero: never): it must
// have begun by asOf and not ended before the first run.
func QuarterAssessed(start, end, firstRun, asOf time.Time) bool {
	return !firstRun.IsZero() && start.Before(asOf) && end.After(firstRun)
}

// YearAssessment scores each quarter from its facts (Deductions, 100 less
// Deducted) and averages the assessed quarters (YearlyScore): "年度考核得分
// 为各季度考核得分的算数平均数". ok is false when no quarter is assessed.
func YearAssessment(quarters []QuarterFacts) (scores []QuarterScore, year float64, ok bool) {
	var assessed []float64
	for _, q := range quarters {
		s := QuarterScore{Name: q.Name, Assessed: q.Assessed}
		if q.Assessed {
			s.Deducted = Deducted(Deductions(q.Facts))
			s.Score = 100 - s.Deducted
			assessed = append(assessed, s.Score)
		}
		scores = append(scores, s)
	}
	year, ok = YearlyScore(assessed)
	return scores, year, ok
}
