// Package pipelines holds the domain of pushaudit: targets, resources,
// cadences with their windows and schedules (one Schedules set for every
// cadence and check), verdicts and the rules that decide them (Classify,
// with the unverifiable and stale decisions beside it in verdict.go), the
// fault levels of table 3-5, and the rules the reports apply (traffic
// lights, rates, the contract's assessment deductions in assessment.go),
// and the embedded catalog of the 55 resources pushed to the 7 targets.
// Every rule is a pure function; the package does no I/O beyond reading
// the embedded catalog and imports nothing else of the project.
package pipelines
