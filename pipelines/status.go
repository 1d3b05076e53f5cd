package pipelines

// Status is the verdict of one result (target × resource × window).
type Status string

// The verdicts of DESIGN.md. One result has exactly one.
const (
	StatusOK        Status = "ok"
	StatusPending   Status = "pending"
	StatusMissed    Status = "missed"
	StatusShort     Status = "short"
	StatusExcess    Status = "excess"
	StatusDuplicate Status = "duplicate"
	StatusLate      Status = "late"
	StatusFailed    Status = "failed"
	StatusMismatch  Status = "mismatch"
	StatusStale     Status = "stale"
	// StatusAnomaly: a source's own volume left its history (the anomaly
	// check of SourceTarget): a district that stopped reporting.
	StatusAnomaly      Status = "anomaly"
	StatusUnverifiable Status = "unverifiable"
)

// Statuses lists every verdict in report order.
var Statuses = []Status{
	StatusOK, StatusPending, StatusMissed, StatusShort, StatusExcess,
	StatusDuplicate, StatusLate, StatusFailed, StatusMismatch, StatusStale,
	StatusAnomaly, StatusUnverifiable,
}

// Valid reports whether s is a known verdict.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// Finding reports whether the verdict is a finding (anything but ok and
// pending).
func (s Status) Finding() bool { return s != StatusOK && s != StatusPending }

// ZH is the Chinese label of the verdict.
func (s Status) ZH() string {
	switch s {
	case StatusOK:
		return "正常"
	case StatusPending:
		return "未到期"
	case StatusMissed:
		return "漏推"
	case StatusShort:
		return "少推"
	case StatusExcess:
		return "多推"
	case StatusDuplicate:
		return "重复"
	case StatusLate:
		return "延迟"
	case StatusFailed:
		return "推送失败"
	case StatusMismatch:
		return "数值不符"
	case StatusStale:
		return "长时间未推送"
	case StatusAnomaly:
		return "数据源异常"
	case StatusUnverifiable:
		return "无法核验"
	}
	return string(s)
}
