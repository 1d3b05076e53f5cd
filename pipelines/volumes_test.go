package pipelines

import "testing"

// "推送完整率" in rows: delivered / expected, none without an expectation.
func TestRowCompleteness(t *testing.T) {
	for _, tc := range []struct {
		delivered, expected int64
		want                float64
		ok                  bool
	}{
		{170, 180, 170.0 / 180, true},
		{10, 10, 1, true},
		{0, 50, 0, true},
		{0, 0, 0, false},
	} {
		got, ok := RowCompleteness(tc.delivered, tc.expected)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RowCompleteness(%d, %d) = %v, %v; want %v, %v", tc.delivered, tc.expected, got, ok, tc.want, tc.ok)
		}
	}
}
