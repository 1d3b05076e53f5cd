package alert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/chengdu-cgw/pushaudit/internal/timers"
)

// Log keys.
const (
	logGroup    = "group"
	logReceiver = "receiver"
	logProvider = "provider"
	logEvent    = "event"
	logFinding  = "finding"
	logAttempt  = "attempt"
	logErr      = "err"
)

// Recorder counts deliveries; *metrics.Metrics implements it.
type Recorder interface {
	// AlertDelivery counts one message delivered (ok) or given up on.
	AlertDelivery(group, provider, event string, ok bool)
	// AlertDeferred counts messages a rate limit held back.
	AlertDeferred(group string, n int)
}

// Group is a set of receivers told about the findings its policy matches.
type Group struct {
	Name   string
	Policy Policy
	Lang   string // zh (default) or en
	// RateLimit messages per RatePer at most, for each receiver (the
	// WeCom and DingTalk robots take 20 a minute); 0: no limit. Messages
	// over it wait for a later Evaluate.
	RateLimit int
	RatePer   time.Duration
	Receivers []Receiver
}

// Receiver is one named webhook of a group.
type Receiver struct {
	Name     string
	Provider Provider
}

// Retry is how often and how patiently one message is retried.
type Retry struct {
	// Attempts in all (at least 1); the wait before retry n is Backoff
	// doubled n-1 times, at most MaxBackoff.
	Attempts            int
	Backoff, MaxBackoff time.Duration
}

// Options are the engine's collaborators; every one has a default.
type Options struct {
	// BaseURL of the status pages, for the /findings/{id} links.
	BaseURL string
	Retry   Retry
	// Store keeps the records across restarts (default: in memory).
	Store Store
	// Now is the clock (default time.Now); Sleep waits between retries
	// (default: a timer that ctx cancels).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger (default slog.Default()); Recorder (default none).
	Logger   *slog.Logger
	Recorder Recorder
	// Secrets are removed from every logged or returned error, besides
	// those each provider removes itself.
	Secrets []string
}

// Report says what one Evaluate did.
type Report struct {
	// Sent messages delivered; Failed given up on after every retry;
	// Deferred held back by a rate limit; Waiting not tried because an
	// earlier delivery of them failed a short while ago.
	Sent, Failed, Deferred, Waiting int
}

// Failure is a message that could not be delivered, for the status page.
type Failure struct {
	Group, Receiver, Finding string
	Kind                     Kind
	Failures                 int
	LastAttempt              time.Time
	LastError                string // redacted
}

// Engine decides which alert messages are due, de-duplicates them
// against what was sent, rate-limits them per receiver, delivers them
// with retries and remembers the outcome.
type Engine struct {
	run      sync.Mutex // one Evaluate at a time; guards limiters
	mu       sync.Mutex // guards records
	groups   []Group
	opt      Options
	records  map[string]Record
	limiters map[string]*limiter
}

// Retention is how long the record of a message is kept once its
// finding is no longer passed to Evaluate.
const Retention = 14 * 24 * time.Hour

// NewEngine checks every provider and loads the store.
func NewEngine(groups []Group, opt Options) (*Engine, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = timers.Sleep
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Store == nil {
		opt.Store = &MemoryStore{}
	}
	opt.Retry.Attempts = max(opt.Retry.Attempts, 1)
	e := &Engine{groups: slices.Clone(groups), opt: opt, limiters: map[string]*limiter{}}
	slices.SortFunc(e.groups, func(a, b Group) int { return cmp.Compare(a.Name, b.Name) })
	if _, err := e.Check(); err != nil {
		return nil, err
	}
	for _, g := range e.groups {
		for _, r := range g.Receivers {
			e.limiters[g.Name+"/"+r.Name] = &limiter{limit: g.RateLimit, per: g.RatePer}
		}
	}
	recs, err := opt.Store.Load()
	if err != nil {
		return nil, err
	}
	e.records = recs
	return e, nil
}

func (e *Engine) redact(err error) string { return Redact(err.Error(), e.opt.Secrets...) }

// Evaluate sends the messages due about findings at the engine's clock:
// pass every open finding and those resolved since the last call (a day's
// worth is safe: what was sent is not sent again). Call it after each
// reconciliation and every minute or so, for the deadlines and progress
// messages. The error is the store's; delivery failures are counted,
// logged and kept for Failures.
func (e *Engine) Evaluate(ctx context.Context, findings []Finding) (Report, error) {
	e.run.Lock()
	defer e.run.Unlock()
	now := e.opt.Now()
	fs := slices.Clone(findings)
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Level, b.Level), a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.ID, b.ID))
	})
	var rep Report
	var errs []error
	for _, g := range e.groups {
		deferred := 0
		for _, r := range g.Receivers {
			d, err := e.evaluateReceiver(ctx, g, r, fs, now, &rep)
			deferred += d
			if err != nil {
				errs = append(errs, err)
			}
			if ctx.Err() != nil {
				return rep, errors.Join(append(errs, ctx.Err())...)
			}
		}
		rep.Deferred += deferred
		if deferred > 0 {
			e.opt.Logger.Info("alert messages held back by the rate limit", logGroup, g.Name, "count", deferred)
			if e.opt.Recorder != nil {
				e.opt.Recorder.AlertDeferred(g.Name, deferred)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.prune(findings, now) {
		if err := e.opt.Store.Save(e.records); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// evaluateReceiver sends r what is due about fs, adding to rep; it
// returns how many messages the rate limit held back and the store's last
// error. The records are locked only between deliveries, so Failures
// answers while a delivery waits for its retries.
func (e *Engine) evaluateReceiver(ctx context.Context, g Group, r Receiver, fs []Finding, now time.Time, rep *Report) (int, error) {
	prefix := g.Name + "/" + r.Name + "/"
	sent := func(key string) bool { return !e.records[prefix+key].SentAt.IsZero() }
	lim := e.limiters[g.Name+"/"+r.Name]
	deferred := 0
	var saveErr error
	for _, f := range fs {
		if ctx.Err() != nil {
			break
		}
		e.mu.Lock()
		ev, ok := Due(g.Policy, f, now, sent)
		rec := e.records[prefix+ev.Key()]
		e.mu.Unlock()
		switch {
		case !ok:
			continue
		case rec.Failures > 0 && now.Before(rec.LastAttempt.Add(cooldown(rec.Failures))):
			rep.Waiting++
			continue
		case !lim.allow(now):
			deferred++
			continue
		}
		lim.record(now)
		err := e.deliver(ctx, g, r, Render(ev, g.Name, g.Lang, e.opt.BaseURL, now))
		if err == nil {
			rep.Sent++
		} else {
			rep.Failed++
		}
		e.mu.Lock()
		e.remember(g, r, ev, now, err)
		if err := e.opt.Store.Save(e.records); err != nil {
			saveErr = err
		}
		e.mu.Unlock()
	}
	return deferred, saveErr
}

// cooldown is how long a message given up on n times waits before it is
// tried again: 5 min, doubled each time, at most an hour.
func cooldown(n int) time.Duration {
	return min(5*time.Minute<<min(n-1, 8), time.Hour)
}

// deliver sends m to r, retrying what may pass with backoff.
func (e *Engine) deliver(ctx context.Context, g Group, r Receiver, m Message) error {
	log := e.opt.Logger.With(logGroup, g.Name, logReceiver, r.Name, logProvider, r.Provider.Kind(),
		logEvent, string(m.Event.Kind), logFinding, m.Event.Finding.ID)
	var err error
	for attempt := 1; ; attempt++ {
		err = r.Provider.Send(ctx, m)
		if err == nil {
			log.Info("alert delivered", logAttempt, attempt)
			break
		}
		if attempt >= e.opt.Retry.Attempts || !Retryable(err) || ctx.Err() != nil {
			log.Error("alert delivery failed, giving up", logAttempt, attempt, logErr, e.redact(err))
			break
		}
		wait := min(e.opt.Retry.Backoff<<(attempt-1), max(e.opt.Retry.MaxBackoff, e.opt.Retry.Backoff))
		log.Warn("alert delivery failed, retrying", logAttempt, attempt, "wait", wait, logErr, e.redact(err))
		if serr := e.opt.Sleep(ctx, wait); serr != nil {
			break
		}
	}
	if e.opt.Recorder != nil {
		e.opt.Recorder.AlertDelivery(g.Name, r.Provider.Kind(), string(m.Event.Kind), err == nil)
	}
	return err
}

// remember records the outcome of ev (and the events it covers).
func (e *Engine) remember(g Group, r Receiver, ev Event, now time.Time, err error) {
	prefix := g.Name + "/" + r.Name + "/"
	key := prefix + ev.Key()
	rec := e.records[key]
	rec.Group, rec.Receiver, rec.Finding, rec.Kind = g.Name, r.Name, ev.Finding.ID, ev.Kind
	rec.LastAttempt = now
	if err != nil {
		rec.Failures++
		rec.LastError = e.redact(err)
		e.records[key] = rec
		return
	}
	rec.SentAt = now
	e.records[key] = rec
	for _, c := range ev.Covers {
		e.records[prefix+c.Key()] = Record{Group: g.Name, Receiver: r.Name, Finding: c.Finding.ID, Kind: c.Kind, SentAt: now, LastAttempt: now}
	}
}

// prune drops the records of findings no longer passed in, once older
// than Retention; it reports whether it dropped any.
func (e *Engine) prune(findings []Finding, now time.Time) bool {
	live := make(map[string]bool, len(findings))
	for _, f := range findings {
		live[f.ID] = true
	}
	dropped := false
	for k, r := range e.records {
		if !live[r.Finding] && now.Sub(r.LastAttempt) > Retention {
			delete(e.records, k)
			dropped = true
		}
	}
	return dropped
}

// Failures lists the messages not delivered yet after failing, most
// recent first, for the status page. Errors are redacted.
func (e *Engine) Failures() []Failure {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Failure
	for _, r := range e.records {
		if r.Failures > 0 && r.SentAt.IsZero() {
			out = append(out, Failure{Group: r.Group, Receiver: r.Receiver, Finding: r.Finding, Kind: r.Kind,
				Failures: r.Failures, LastAttempt: r.LastAttempt, LastError: r.LastError})
		}
	}
	slices.SortFunc(out, func(a, b Failure) int {
		return cmp.Or(b.LastAttempt.Compare(a.LastAttempt), cmp.Compare(a.Group, b.Group),
			cmp.Compare(a.Receiver, b.Receiver), cmp.Compare(a.Finding, b.Finding))
	})
	return out
}

// Check validates every receiver without sending anything: one line per
// receiver, an error for each bad one.
func (e *Engine) Check() ([]string, error) {
	return e.check(func(p Provider) error { return p.Validate() }, "settings ok")
}

// Reach is Check and then a dry run against every receiver's host (an
// HTTP HEAD to its root, no message sent), for `pushaudit check`.
func (e *Engine) Reach(ctx context.Context) ([]string, error) {
	return e.check(func(p Provider) error {
		if err := p.Validate(); err != nil {
			return err
		}
		return p.Reach(ctx)
	}, "reached")
}

func (e *Engine) check(test func(Provider) error, ok string) ([]string, error) {
	var lines []string
	var errs []error
	for _, g := range e.groups {
		for _, r := range g.Receivers {
			if err := test(r.Provider); err != nil {
				errs = append(errs, fmt.Errorf("alert group %s receiver %s: %s", g.Name, r.Name, e.redact(err)))
				continue
			}
			lines = append(lines, fmt.Sprintf("alert group %s receiver %s (%s): %s", g.Name, r.Name, r.Provider.Kind(), ok))
		}
	}
	return lines, errors.Join(errs...)
}
