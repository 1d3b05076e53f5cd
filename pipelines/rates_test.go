package pipelines_test

import (
	"testing"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// TestRates: "结案率 = 结案数 / 应结案数；按期结案率 = 按期结案数 / 应结案数"
// (DOMAIN.md); the completeness of the exchange counts the windows that
// could be judged; a rate of nothing is blank, never 0 % or 100 %.
func TestRates(t *testing.T) {
	type rate struct {
		r  float64
		ok bool
	}
	r := func(v float64, ok bool) rate { return rate{v, ok} }
	tests := []struct {
		name string
		got  rate
		want rate
	}{
		{"rate", r(pipelines.Rate(1, 4)), rate{0.25, true}},
		{"rate of nothing", r(pipelines.Rate(0, 0)), rate{0, false}},
		{"completeness: late windows arrived", r(pipelines.Completeness(6, 2, 10, 0)), rate{0.8, true}},
		{"completeness: unverifiable windows are not judged", r(pipelines.Completeness(6, 2, 10, 2)), rate{1, true}},
		{"completeness: nothing could be judged", r(pipelines.Completeness(0, 0, 3, 3)), rate{0, false}},
		{"on time: late windows are not", r(pipelines.OnTimeRate(6, 10, 2)), rate{0.75, true}},
		{"结案率", r(pipelines.CloseRate(9, 12)), rate{0.75, true}},
		{"按期结案率", r(pipelines.OnTimeCloseRate(6, 12)), rate{0.5, true}},
		{"结案率 without 应结案", r(pipelines.CloseRate(0, 0)), rate{0, false}},
		{"resolved in time: open overdue counts against", r(pipelines.ResolvedInTimeRate(3, 4, 2)), rate{0.5, true}},
		{"resolved in time: nothing due yet", r(pipelines.ResolvedInTimeRate(0, 0, 0)), rate{0, false}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}
