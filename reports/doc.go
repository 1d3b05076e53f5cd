// Package reports writes the Excel workbooks of pushaudit (labels in
// Chinese by default) from the results, keys and findings that reconcile
// left in the DuckDB warehouse. It reads results; it never computes them.
package reports
