package pipelines

// RowCompleteness is the completeness of a push in rows: the rows
// delivered (per window, received but at most the expected: an excess in
// one window does not make up for a shortfall in another) over the rows
// expected, of the windows judged with counts.
func RowCompleteness(delivered, expected int64) (float64, bool) { return Rate(delivered, expected) }
