package reports

// WriteDailyMaxRows lets tests lower Excel's row limit.
var WriteDailyMaxRows = writeDaily
