package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Provider delivers messages to one webhook: a WeCom or DingTalk group
// robot, or a generic JSON endpoint. Each holds its own secrets, and no
// error it returns contains them.
type Provider interface {
	// Kind is wecom, dingtalk or webhook (a metrics label).
	Kind() string
	// Validate checks the provider's settings without sending anything.
	Validate() error
	// Reach checks that the endpoint's host answers HTTP, without sending
	// a message (the dry run of `pushaudit check`).
	Reach(ctx context.Context) error
	// Send delivers one message. An error is a *DeliveryError that says
	// whether trying again may help.
	Send(ctx context.Context, m Message) error
}

// DeliveryError is a message that did not get through.
type DeliveryError struct {
	Provider string
	// Status is the HTTP status (0: no answer); Code the robot's errcode.
	Status, Code int
	// Retryable: a network error, a 5xx or 429, or a robot's "too fast".
	Retryable bool
	Msg       string // redacted
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Provider)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "errcode %d: ", e.Code)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Retryable reports whether err is worth trying again.
func Retryable(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Retryable
}

// poster POSTs JSON for a provider and keeps its secrets out of errors.
type poster struct {
	kind    string
	client  *http.Client
	secrets []string
	hideURL bool // show scheme and host only
}

func newPoster(kind string, client *http.Client, secrets ...string) poster {
	if client == nil {
		client = http.DefaultClient
	}
	return poster{kind: kind, client: client, secrets: slices.DeleteFunc(secrets, func(s string) bool { return s == "" })}
}

// fail builds a DeliveryError, its text redacted.
func (p poster) fail(status, code int, retry bool, format string, args ...any) *DeliveryError {
	return &DeliveryError{Provider: p.kind, Status: status, Code: code, Retryable: retry,
		Msg: Redact(fmt.Sprintf(format, args...), p.secrets...)}
}

// shown is rawURL as errors show it.
func (p poster) shown(rawURL string) string {
	if !p.hideURL {
		return RedactURL(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + "/***"
}

// post sends body to rawURL and returns the 2xx answer's body.
func (p poster) post(ctx context.Context, rawURL string, body []byte, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, p.fail(0, 0, false, "bad request to %s: %v", p.shown(rawURL), err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL, and so the key
		}
		return nil, p.fail(0, 0, ctx.Err() == nil, "POST %s: %v", p.shown(rawURL), err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return nil, p.fail(resp.StatusCode, 0, retry, "POST %s: %s", p.shown(rawURL), truncate(strings.TrimSpace(string(answer)), 200))
	}
	return answer, nil
}

// reach sends HEAD to the root of rawURL's host: any HTTP answer means
// the host is reached; the robot's path and key are not touched.
func (p poster) reach(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return p.fail(0, 0, false, "%s is not a URL", p.shown(rawURL))
	}
	root := u.Scheme + "://" + u.Host + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, root, nil)
	if err != nil {
		return p.fail(0, 0, false, "HEAD %s: %v", root, err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return p.fail(0, 0, true, "HEAD %s: %v", root, err)
	}
	resp.Body.Close()
	return nil
}

// robotAnswer is how WeCom and DingTalk robots answer: errcode 0 is ok.
type robotAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// postRobot posts to a WeCom or DingTalk robot and checks its errcode;
// busy lists the errcodes worth a retry (besides -1, system busy).
func (p poster) postRobot(ctx context.Context, rawURL string, payload any, busy ...int) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return p.fail(0, 0, false, "encode: %v", err)
	}
	answer, err := p.post(ctx, rawURL, body, nil)
	if err != nil {
		return err
	}
	var a robotAnswer
	if err := json.Unmarshal(answer, &a); err != nil {
		return p.fail(http.StatusOK, 0, false, "answer is not the robot's JSON: %s", truncate(string(answer), 200))
	}
	if a.ErrCode != 0 {
		return p.fail(http.StatusOK, a.ErrCode, a.ErrCode == -1 || slices.Contains(busy, a.ErrCode), "%s", a.ErrMsg)
	}
	return nil
}

// validURL checks an endpoint URL without echoing its query.
func validURL(kind, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %s is not an http(s) URL", kind, RedactURL(raw))
	}
	return nil
}

// validRobot checks a robot's key (what it is called) and endpoint.
func validRobot(kind, what, key, rawURL string) error {
	if key == "" {
		return fmt.Errorf("%s: empty %s", kind, what)
	}
	return validURL(kind, rawURL)
}

// withQuery returns raw with the query values set.
func withQuery(raw string, kv ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", RedactURL(raw))
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// RedactURL returns raw with every query value and any user info
// replaced by ***: robot keys, tokens and signatures travel there.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"***"}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A%2A%2A", "***")
	}
	return u.String()
}

// Redact replaces every secret in s, as written or URL-escaped, with ***.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue // too short to tell from ordinary text; never a real key
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			s = strings.ReplaceAll(s, form, "***")
		}
	}
	return s
}
