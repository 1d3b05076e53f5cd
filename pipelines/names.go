package pipelines

// StatsTarget is the pseudo-target of the business-vs-statistics check:
// its results compare the statistics database with counters recomputed
// from the business database, one window per calendar day
// (Schedules.Statistics). StatsResource is its per-case counter resource
// (stats.case_eval), StatsDailyResource its per-district daily aggregates
// (stats.daily_district_stats).
const (
	StatsTarget        = "stats"
	StatsResource      = "case_eval"
	StatsDailyResource = "daily_district_stats"
)

// DefaultPushLog is the warehouse table (source.table) of the exchange's
// push log when the config names none.
const DefaultPushLog = "exchange.push_log"
