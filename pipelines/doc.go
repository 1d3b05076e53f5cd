// Package pipelines holds the domain of pushaudit: targets, resources,
// cadences, windows and verdicts, and the embedded catalog of the 55
// resources pushed to the 7 targets. It does no I/O beyond reading the
// embedded catalog and imports nothing else of the project.
package pipelines
