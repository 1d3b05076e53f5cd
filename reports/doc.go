// Package reports writes the Excel workbooks of pushaudit (labels in
// Chinese by default) from the results, keys and findings that reconcile
// left in the DuckDB warehouse. It reads results; it never computes them,
// and the rules it applies to them (traffic lights, rates, the limits of
// table 3-5, the assessment deductions) are pipelines' pure functions: a
// workbook renders what they return.
package reports
