package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decodeStrict decodes the YAML document doc into v (a pointer), refusing
// unknown keys, with its errors worded for the person who wrote the file
// (yamlError) and a fraction where a whole number is expected refused
// (checkWholeNumbers). An empty document leaves v as it is.
func decodeStrict(doc []byte, v any) error {
	into := reflect.TypeOf(v).Elem()
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return yamlError(err, doc, into)
	}
	return checkWholeNumbers(doc, into)
}

// yamlError words a decoding error of the YAML document doc, decoded into a
// value of type into, for the person who wrote the file. yaml.v3 names a
// line and Go's types ("line 45: cannot unmarshal !!str `ten min...` into
// time.Duration", "field bogus not found in type config.Source"); each of
// its type errors is rewritten to name the key at that line, what the key
// takes in the file's terms, and, for an unknown key, the keys its mapping
// takes. A secret written in the file gets the way to give it. Other
// errors (YAML syntax) are returned as they are: they name the line.
func yamlError(err error, doc []byte, into reflect.Type) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	idx := indexLines(doc)
	worded := *te
	worded.Errors = make([]string, len(te.Errors))
	for i, m := range te.Errors {
		worded.Errors[i] = idx.word(m, into)
	}
	return &worded
}

var (
	unmarshalMsg = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
	unknownMsg   = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
)

// secretKeys are the keys a secret would be written under (a password, an
// alert receiver's key or signing secret), with the key that names where
// it is given instead (password_env, key_file…).
var secretKeys = map[string]string{"password": "password", "key": "key", "token": "key", "access_token": "key", "secret": "secret"}

// lineEntry is a key or a value of the document at a line, by its path.
type lineEntry struct {
	path  []string
	key   bool
	kind  yaml.Kind
	value string // a scalar's text
}

// lineIndex is what each line of a document holds.
type lineIndex map[int][]lineEntry

// walkDoc calls visit for every key and value of doc with its path, in
// document order; a document that does not parse visits nothing (the
// decoder's own error says why).
func walkDoc(doc []byte, visit func(n *yaml.Node, path []string, key bool)) {
	var root yaml.Node
	if yaml.Unmarshal(doc, &root) != nil {
		return
	}
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := append(slices.Clip(path), k.Value)
				visit(k, p, true)
				visit(v, p, false)
				walk(v, p)
			}
		case yaml.SequenceNode:
			for j, c := range n.Content {
				p := append(slices.Clip(path), "["+strconv.Itoa(j)+"]")
				visit(c, p, false)
				walk(c, p)
			}
		}
	}
	walk(&root, nil)
}

// indexLines indexes the keys and values of doc by line.
func indexLines(doc []byte) lineIndex {
	idx := lineIndex{}
	walkDoc(doc, func(n *yaml.Node, path []string, key bool) {
		idx[n.Line] = append(idx[n.Line], lineEntry{path: path, key: key, kind: n.Kind, value: n.Value})
	})
	return idx
}

// checkWholeNumbers is fractionErrors as one error, in the decoder's
// form; nil when there is none.
func checkWholeNumbers(doc []byte, into reflect.Type) error {
	if errs := fractionErrors(doc, into); len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

// fractionErrors words each number with a fraction that doc gives where
// into takes a whole number: yaml.v3 truncates it without a word
// (parallel: 1.5 would run one reader).
func fractionErrors(doc []byte, into reflect.Type) []string {
	var errs []string
	walkDoc(doc, func(n *yaml.Node, path []string, key bool) {
		if key || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!float" {
			return
		}
		t := typeAt(into, path)
		if t == nil || t == reflect.TypeFor[time.Duration]() {
			return // a duration's number is the decoder's error
		}
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return
		}
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && f == math.Trunc(f) {
			return
		}
		errs = append(errs, fmt.Sprintf("line %d: %s: `%s` where a whole number is expected", n.Line, joinPath(path), n.Value))
	})
	return errs
}

// word rewrites one of yaml.v3's type errors; a message of another form
// is kept.
func (idx lineIndex) word(m string, into reflect.Type) string {
	if sm := unmarshalMsg.FindStringSubmatch(m); sm != nil {
		line, _ := strconv.Atoi(sm[1])
		val := sm[3]
		where := "line " + sm[1] + ": "
		if e, ok := idx.valueAt(line, sm[2], val); ok {
			where += joinPath(e.path) + ": "
			if val != "" {
				val = shortValue(e.value) // yaml.v3 cut it at 7 characters
			}
		}
		found := foundWords(sm[2], val)
		return where + found + " where " + expectedWords(sm[4]) + " is expected"
	}
	if sm := unknownMsg.FindStringSubmatch(m); sm != nil {
		line, _ := strconv.Atoi(sm[1])
		name := sm[2]
		parent, known := idx.parentOfKey(line, name)
		msg := "line " + sm[1] + ": field " + name + " not found"
		if known {
			if len(parent) == 0 {
				msg += " at the top level"
			} else {
				msg += " in " + joinPath(parent)
			}
			if keys := yamlKeys(typeAt(into, parent)); len(keys) > 0 {
				msg += " (" + strings.Join(keys, ", ") + ")"
			}
		}
		if given, ok := secretKeys[name]; ok {
			msg += fmt.Sprintf(" (a %s is never written in the config: give %s_env or %s_file)", name, given, given)
		}
		return msg
	}
	return m
}

// shortValue is v, cut to 60 characters when longer.
func shortValue(v string) string {
	if r := []rune(v); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return v
}

// valueAt is the value at line of the kind yaml.v3 named (seq, map, or a
// scalar's tag) that it quoted as val (a scalar's first 7 characters and
// "..." when longer), the deepest such when the line holds several, and
// whether there is one.
func (idx lineIndex) valueAt(line int, kind, val string) (lineEntry, bool) {
	want := yaml.ScalarNode
	switch kind {
	case "seq":
		want = yaml.SequenceNode
	case "map":
		want = yaml.MappingNode
	}
	var best lineEntry
	found := false
	for _, e := range idx[line] {
		if e.key || e.kind != want {
			continue
		}
		if want == yaml.ScalarNode && e.value != val && !(strings.HasSuffix(val, "...") && strings.HasPrefix(e.value, strings.TrimSuffix(val, "..."))) {
			continue
		}
		if !found || len(e.path) > len(best.path) {
			best, found = e, true
		}
	}
	return best, found
}

// parentOfKey is the path of the mapping that holds key name at line, and
// whether the key was found there.
func (idx lineIndex) parentOfKey(line int, name string) ([]string, bool) {
	for _, e := range idx[line] {
		if e.key && e.value == name {
			return e.path[:len(e.path)-1], true
		}
	}
	return nil, false
}

// joinPath writes a path as the config's messages do: sources.biz.tables[2].
func joinPath(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// foundWords says what the file holds: a scalar quoted, or the kind of node.
func foundWords(kind, val string) string {
	switch {
	case val != "":
		return "`" + val + "`"
	case kind == "seq":
		return "a list"
	case kind == "map":
		return "a mapping"
	case kind == "null":
		return "nothing"
	}
	return "a " + kind
}

// expectedWords says what a Go type takes, in the file's terms.
func expectedWords(goType string) string {
	t := strings.TrimPrefix(goType, "*")
	switch {
	case t == "time.Duration":
		return "a duration such as 90s, 30m or 2h"
	case strings.HasPrefix(t, "map["):
		return "a mapping (name: value)"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a text"
	case t == "float32" || t == "float64":
		return "a number"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.Contains(t, "."):
		return "a mapping of settings"
	}
	return t
}

// typeAt is the Go type a value at path decodes into, from t, following
// yaml tags (inline structs included), map values and list items; nil
// when the path leaves the types.
func typeAt(t reflect.Type, path []string) reflect.Type {
	for _, p := range path {
		switch t = derefType(t); {
		case t == nil:
			return nil
		case t.Kind() == reflect.Map, t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			t = fieldType(t, p)
		default:
			return nil
		}
	}
	return derefType(t)
}

// fieldType is the type of struct t's field with yaml key name, looking
// into inline structs; nil when there is none.
func fieldType(t reflect.Type, name string) reflect.Type {
	for f := range t.Fields() {
		key, inline := yamlTag(f)
		switch {
		case inline:
			if ft := fieldType(derefType(f.Type), name); ft != nil {
				return ft
			}
		case key != "" && key == name:
			return f.Type
		}
	}
	return nil
}

// yamlKeys lists the keys a struct type takes, sorted; none for other
// types.
func yamlKeys(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		key, inline := yamlTag(f)
		switch {
		case inline:
			keys = append(keys, yamlKeys(derefType(f.Type))...)
		case key != "":
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// yamlTag is the yaml key of field f ("" when unexported or "-") and
// whether it is inlined.
func yamlTag(f reflect.StructField) (key string, inline bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	if slices.Contains(strings.Split(opts, ","), "inline") {
		return "", true
	}
	switch name {
	case "-":
		return "", false
	case "":
		return strings.ToLower(f.Name), false // yaml.v3's default key
	}
	return name, false
}

// derefType is t without its pointers; nil stays nil.
func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
