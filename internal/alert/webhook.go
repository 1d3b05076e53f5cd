package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// Webhook is a generic JSON endpoint: it receives a WebhookPayload. With a
// secret, each request carries X-Pushaudit-Timestamp (Unix seconds) and
// X-Pushaudit-Signature: sha256=HEX, the HMAC-SHA256 of "TIMESTAMP.BODY"
// keyed with the secret, which the receiver recomputes.
type Webhook struct {
	url, secret string
	post        poster
	now         func() time.Time
}

var _ Provider = (*Webhook)(nil)

// Webhook headers.
const (
	HeaderEvent     = "X-Pushaudit-Event"
	HeaderTimestamp = "X-Pushaudit-Timestamp"
	HeaderSignature = "X-Pushaudit-Signature"
)

// WebhookPayload is the JSON body a generic webhook receives.
type WebhookPayload struct {
	Version  string         `json:"version"` // "1"
	Group    string         `json:"group"`
	Event    Kind           `json:"event"`
	Seq      int            `json:"seq,omitempty"` // progress message number
	Title    string         `json:"title"`
	Markdown string         `json:"markdown"`
	Link     string         `json:"link"`
	SentAt   time.Time      `json:"sent_at"`
	Finding  WebhookFinding `json:"finding"`
	// Run is set when the message is about a failure of pushaudit's own
	// run (then the finding carries only id, first_seen and resolved_at).
	Run *WebhookRun `json:"run,omitempty"`
}

// WebhookRun is the failed pipeline of a WebhookPayload.
type WebhookRun struct {
	Job      string `json:"job"`
	Failures int    `json:"failures"`
	Error    string `json:"error"` // the last error, redacted
}

// WebhookFinding is the finding in a WebhookPayload; times RFC 3339 in
// +08:00, absent when not set.
type WebhookFinding struct {
	ID           string     `json:"id"`
	Target       string     `json:"target"`
	TargetName   string     `json:"target_name,omitempty"`
	Resource     string     `json:"resource"`
	ResourceName string     `json:"resource_name,omitempty"`
	WindowStart  time.Time  `json:"window_start"`
	WindowEnd    time.Time  `json:"window_end"`
	Status       string     `json:"status"`
	FaultLevel   int        `json:"fault_level"`
	FirstSeen    time.Time  `json:"first_seen"`
	RespondBy    *time.Time `json:"respond_by,omitempty"`
	ResolveBy    *time.Time `json:"resolve_by,omitempty"`
	RespondedAt  *time.Time `json:"responded_at,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	Expected     *int64     `json:"expected,omitempty"`
	Received     *int64     `json:"received,omitempty"`
}

// NewWebhook returns the endpoint at url, signing with secret ("" for
// none).
func NewWebhook(url, secret string, client *http.Client) *Webhook {
	return &Webhook{url: url, secret: secret, post: newPoster("webhook", client, secret), now: time.Now}
}

// HideURL keeps the URL's path out of errors too (for a URL given as a
// secret, whose path may hold a token): they show scheme and host only.
func (w *Webhook) HideURL() *Webhook {
	w.post.hideURL = true
	return w
}

// WebhookSign returns the X-Pushaudit-Signature of body at timestamp
// (Unix seconds) with secret.
func WebhookSign(timestamp int64, body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Kind implements Provider.
func (w *Webhook) Kind() string { return "webhook" }

// Validate implements Provider.
func (w *Webhook) Validate() error { return validURL("webhook", w.url) }

// Reach implements Provider.
func (w *Webhook) Reach(ctx context.Context) error { return w.post.reach(ctx, w.url) }

// Send implements Provider.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(payloadOf(m))
	if err != nil {
		return w.post.fail(0, 0, false, "encode: %v", err)
	}
	h := http.Header{}
	h.Set(HeaderEvent, string(m.Event.Kind))
	if w.secret != "" {
		ts := w.now().Unix()
		h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		h.Set(HeaderSignature, WebhookSign(ts, body, w.secret))
	}
	_, err = w.post.post(ctx, w.url, body, h)
	return err
}

func payloadOf(m Message) WebhookPayload {
	f := m.Event.Finding
	at := func(t time.Time) time.Time { return t.In(pipelines.Shanghai) }
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		s := at(t)
		return &s
	}
	var run *WebhookRun
	if f.Run != "" {
		run = &WebhookRun{Job: f.Run, Failures: f.RunFailures, Error: f.Error}
	}
	return WebhookPayload{
		Run: run, Version: "1", Group: m.Group, Event: m.Event.Kind, Seq: m.Event.Seq,
		Title: m.Title, Markdown: m.Markdown, Link: m.Link, SentAt: at(m.At),
		Finding: WebhookFinding{
			ID: f.ID, Target: f.Target, TargetName: f.TargetName, Resource: f.Resource,
			ResourceName: f.ResourceName, WindowStart: at(f.WindowStart), WindowEnd: at(f.WindowEnd),
			Status: string(f.Status), FaultLevel: f.Level, FirstSeen: at(f.FirstSeen),
			RespondBy: opt(f.RespondBy), ResolveBy: opt(f.ResolveBy), RespondedAt: opt(f.RespondedAt),
			ResolvedAt: opt(f.ResolvedAt), Expected: f.Expected, Received: f.Received,
		},
	}
}
