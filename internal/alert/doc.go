// Package alert tells people about findings where they are: WeCom (企业微信)
// and DingTalk (钉钉) group robots and generic JSON webhooks, in Chinese by
// default. It decides, as pure functions over an injected clock, which
// message is due about a finding (Due): a new finding at or above a
// group's fault level, its resolution, a missed respond-by or resolve-by
// deadline, and for 二级 and above a progress message every hour until it
// is resolved (table 3-5); it de-duplicates them by finding id and kind in
// a Store that survives restarts, rate-limits them per receiver, retries
// with backoff, and logs, counts and lists (Failures) what could not be
// delivered. Secrets (robot keys, signing secrets) never appear in a log
// line or an error. The words are Alertmanager's: a group, its receivers,
// a repeat interval.
//
// The daemon builds one Engine from the config and feeds it findings
// after every reconciliation and on a ticker (every minute):
//
//	eng, err := alert.FromConfig(cfg, alert.Options{
//		Now: clock, Logger: log, Recorder: m, // m is a *metrics.Metrics
//	})
//	...
//	fs, err := alert.LoadFindings(ctx, wh.DB(), now.Add(-24*time.Hour), catalog)
//	rep, err := eng.Evaluate(ctx, fs)  // sends what is due, at most once each
//	eng.Failures()                     // undelivered messages, for the status page
//	eng.Reach(ctx)                     // dry run of every receiver, for `pushaudit check`
//
// Evaluate blocks while it retries (by default up to 2+4+8 s a message);
// run it on the daemon's alert goroutine.
package alert
