package mysqlserver

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/sirupsen/logrus"
)

// logMu serialises changes to the process-wide logrus standard logger.
var logMu sync.Mutex

// configureLogging routes go-mysql-server's logrus output to logger, or
// discards it when logger is nil.
func configureLogging(logger *slog.Logger) {
	logMu.Lock()
	defer logMu.Unlock()
	std := logrus.StandardLogger()
	std.SetOutput(io.Discard)
	hooks := make(logrus.LevelHooks)
	if logger == nil {
		std.SetLevel(logrus.ErrorLevel)
		std.ReplaceHooks(hooks)
		return
	}
	if logger.Enabled(context.Background(), slog.LevelDebug) {
		std.SetLevel(logrus.DebugLevel)
	} else {
		std.SetLevel(logrus.WarnLevel)
	}
	hooks.Add(slogHook{logger: logger})
	std.ReplaceHooks(hooks)
}

// slogHook forwards logrus entries to a slog.Logger.
type slogHook struct{ logger *slog.Logger }

func (h slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h slogHook) Fire(e *logrus.Entry) error {
	level := slog.LevelDebug
	switch {
	case e.Level <= logrus.ErrorLevel:
		level = slog.LevelError
	case e.Level == logrus.WarnLevel:
		level = slog.LevelWarn
	case e.Level == logrus.InfoLevel:
		level = slog.LevelInfo
	}
	attrs := make([]slog.Attr, 0, len(e.Data)+1)
	attrs = append(attrs, slog.String("component", "go-mysql-server"))
	for k, v := range e.Data {
		attrs = append(attrs, slog.Any(k, v))
	}
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	h.logger.LogAttrs(ctx, level, e.Message, attrs...)
	return nil
}
