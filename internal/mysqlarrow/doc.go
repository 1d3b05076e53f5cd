// Package mysqlarrow decodes MySQL values into Arrow record batches, the
// form the snapshot hands to DuckDB. A Batcher takes a table's rows from
// either read path: binary-protocol rows as internal/mysqlwire returns
// them (PlanWire, AddWire), whose common values it decodes in place, or
// driver values from go-sql-driver's rows (Add). Every other value goes
// through one parser per kind of value (parse.go: decimal, date and time,
// TIME, BIT), shared by both paths, so a value loads alike whichever path
// read it.
//
// Column types map as pipelines.DuckTypeOf says (MapColumn): integers keep
// their width and signedness, DECIMAL(p,s) is read from its text, never
// through a float, DATETIME and TIMESTAMP keep their wall clock as a
// microsecond timestamp, TIME is a duration. Zero, partial and invalid
// dates load as NULL and invalid UTF-8 is replaced with U+FFFD; both are
// counted per column with an example row (Anomalies). A value that cannot
// be loaded at all is an error naming its row and column.
package mysqlarrow
