package reconcile

import (
	"log/slog"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// SiteRules is what a reconciliation takes from a site's config
// (internal/config.Config has every method): the day of the one-time
// pushes, the push log's table and the site's evidence conventions, the
// schedules, fault levels, incident and anomaly rules.
type SiteRules interface {
	OnceDate() time.Time
	PushLogTable() string
	SiteEvidence() pipelines.SiteEvidence
	ScheduleSet() pipelines.Schedules
	LevelRules() *pipelines.LevelRules
	IncidentRules() pipelines.IncidentRules
	AnomalyRules() pipelines.AnomalyRules
}

// OptionsOf are the options of a reconciliation with the rules of site,
// as of now and logging to log. reconcile, explain and the status pages'
// finding page all start from them, so a rule added to the config reaches
// every one; the caller sets what the run selects (days, target,
// resource, run id, receipts).
func OptionsOf(site SiteRules, now time.Time, log *slog.Logger) Options {
	return Options{
		Now: now, OnceAt: site.OnceDate(), PushLog: site.PushLogTable(), Evidence: site.SiteEvidence(),
		Schedules: site.ScheduleSet(), Levels: site.LevelRules(), Incidents: site.IncidentRules(), Anomaly: site.AnomalyRules(),
		Logger: log,
	}
}
