package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// eachJSON calls fn with every top-level JSON value of raw (one per file, or one per line
// as JSONL), with its 1-based line. A value that does not parse ends the file with a Bad: JSON
// gives no safe place to resume.
func eachJSON(raw []byte, name string, b *Batch, fn func(n, line int, v json.RawMessage)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	line, last := 1, int64(0)
	for n := 0; ; n++ {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return
		}
		end := dec.InputOffset()
		start := end - int64(len(v))
		if err != nil || start < last {
			start = last
		}
		// Skip the whitespace before the value so its line is the line it starts on.
		for start < int64(len(raw)) && (raw[start] == ' ' || raw[start] == '\n' || raw[start] == '\r' || raw[start] == '\t') {
			start++
		}
		line += bytes.Count(raw[last:min(start, int64(len(raw)))], []byte("\n"))
		last = max(start, last)
		if err != nil {
			// Keep the records that are whole before the break: a truncated export still
			// holds its first pages of records.
			bad := Bad{File: name, Line: line, Path: fmt.Sprintf("$[%d]", n), Reason: "malformed json", Detail: err.Error()}
			if fixed, ok := repairJSON(brokenPart(raw[start:], err)); ok {
				bad.Reason = "truncated json"
				bad.Detail += fmt.Sprintf("; the whole records before the break (%d bytes) were kept", len(fixed))
				fn(n, line, fixed)
			}
			b.Bad = append(b.Bad, bad)
			return
		}
		fn(n, line, v)
	}
}

// flexString is a JSON string or number (ids are either, depending on the server).
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
		*s = flexString(b[1 : len(b)-1]) // no escapes: the bytes are the string
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: truncate(string(b), 40), Type: reflect.TypeFor[string]()}
	}
	*s = flexString(n.String())
	return nil
}

// flexFloat is a JSON number or a string holding one (Open311 servers write both).
type flexFloat struct {
	v  float64
	ok bool
}

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: truncate(string(b), 40), Type: reflect.TypeFor[float64]()}
	}
	f.v, f.ok = v, true
	return nil
}

// fieldError names the field a json.Unmarshal error is about, when it says.
func fieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

// brokenPart is the part of a JSON value before its syntax error (all of it when it is
// truncated).
func brokenPart(b []byte, err error) []byte {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(b)) {
		return b[:se.Offset-1]
	}
	return b
}

// repairJSON cuts a broken JSON value at the end of its last whole record and closes what is
// open, so that {"data":[{...},{...},{"id": becomes {"data":[{...},{...}]}. Records are taken
// to be the elements of the shallowest array with a whole element, so that a record cut
// half-way (its own inner arrays included) is never kept. It reports false when no element is
// whole.
func repairJSON(b []byte) (json.RawMessage, bool) {
	type cutAt struct {
		pos   int
		stack string
	}
	var stack []byte
	cuts := map[int]cutAt{} // by depth: the last element boundary seen at that depth
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			stack = append(stack, c)
		case '}', ']':
			if len(stack) == 0 {
				return nil, false
			}
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1] == '[' {
				cuts[len(stack)] = cutAt{i + 1, string(stack)}
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1] == '[' {
				cuts[len(stack)] = cutAt{i, string(stack)}
			}
		}
	}
	best := -1
	for d := range cuts {
		if best < 0 || d < best {
			best = d
		}
	}
	if best < 0 {
		return nil, false
	}
	c := cuts[best]
	out := append([]byte{}, b[:c.pos]...)
	for i := len(c.stack) - 1; i >= 0; i-- {
		if c.stack[i] == '{' {
			out = append(out, '}')
		} else {
			out = append(out, ']')
		}
	}
	if !json.Valid(out) {
		return nil, false
	}
	return out, true
}

var reTag = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]{0,500})?/?>`)

// stripHTML removes tags and decodes entities: vendors put HTML in text fields.
func stripHTML(s string) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = reTag.ReplaceAllString(s, " ")
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}
