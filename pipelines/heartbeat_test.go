package pipelines

import (
	"strings"
	"testing"
	"time"
)

func TestHeartbeatSpec_Silent(t *testing.T) {
	h := HeartbeatSpec{Table: "exchange.heartbeat", Every: 5 * time.Minute}
	at := func(hm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-20 "+hm, Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	beats := []time.Time{at("01:00"), at("01:05"), at("01:10"), at("03:00")}
	for _, tc := range []struct {
		deadline string
		want     bool
	}{
		{"01:10", false}, // a beat at the deadline
		{"01:19", false}, // 01:10 lies in the 10 minutes before
		{"01:20", true},  // (01:10, 01:20] has none
		{"02:00", true},  //
		{"03:05", false}, // 03:00
		{"00:30", true},  // before the first beat
		{"04:00", true},  // after the last
	} {
		if got := h.Silent(beats, at(tc.deadline)); got != tc.want {
			t.Errorf("Silent at %s = %v, want %v", tc.deadline, got, tc.want)
		}
	}
	if !h.Silent(nil, at("01:00")) {
		t.Error("no beat at all is silence")
	}
}

func TestHeartbeatSpec_Validate(t *testing.T) {
	for _, tc := range []struct {
		spec HeartbeatSpec
		want string // "" valid
	}{
		{HeartbeatSpec{Table: "exchange.heartbeat", Every: time.Minute}, ""},
		{HeartbeatSpec{Table: "exchange.heartbeat", TimeColumn: "ts", TargetColumn: "sys", Every: time.Hour}, ""},
		{HeartbeatSpec{Table: "heartbeat", Every: time.Minute}, `evidence.heartbeat.table: "heartbeat" is not source.table`},
		{HeartbeatSpec{Table: "exchange.heartbeat"}, "evidence.heartbeat.every: 0s is not a duration"},
		{HeartbeatSpec{Table: "exchange.heartbeat", Every: 48 * time.Hour}, "evidence.heartbeat.every: 48h0m0s"},
		{HeartbeatSpec{Table: "exchange.heartbeat", TimeColumn: "a b", Every: time.Minute}, `evidence.heartbeat.time_column: "a b" is not a column name`},
	} {
		err := tc.spec.Validate("evidence.heartbeat")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.spec, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
}
