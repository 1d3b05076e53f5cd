package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/config"
	"github.com/chengdu-cgw/pushaudit/pipelines"
)

func TestConfig_IncidentRules(t *testing.T) {
	if got, want := mustParse(t, base, "").IncidentRules(), pipelines.DefaultIncidentRules(); got != want {
		t.Errorf("no incidents key: %+v, want the defaults %+v", got, want)
	}
	c := mustParse(t, base+"incidents: {gap: 10m, whole_target: 2, major_rows: 500}\nassessment: {quarterly_fee: 125000}\n", "")
	r := c.IncidentRules()
	if r.Gap != 10*time.Minute || r.WholeTarget != 2 || r.MajorRows != 500 || r.WholeTargetLevel != 1 || r.ReportDue != 7*24*time.Hour {
		t.Errorf("rules %+v: want gap 10m, whole_target 2, major_rows 500, the rest defaults", r)
	}
	if c.Assessment.QuarterlyFee != 125000 {
		t.Errorf("quarterly_fee %g", c.Assessment.QuarterlyFee)
	}
	for _, tc := range []struct{ src, want string }{
		{"incidents: {major_level: 7}\n", "incidents.major_level: 7 is not a level 1..4"},
		{"incidents: {gap: -5m}\n", "incidents.gap"},
		{"assessment: {quarterly_fee: -1}\n", "assessment.quarterly_fee: -1 is negative"},
	} {
		_, err := config.Parse(strings.NewReader(base+tc.src), "site.yaml", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
}
