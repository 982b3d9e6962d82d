package ingest

import (
	"bufio"
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

// eachJSON calls fn with every top-level JSON value of an export (one per file, or one per
// line as JSONL), with its 1-based line. A value that does not parse ends the file with a Bad:
// JSON gives no safe place to resume. The export is read a run of values at a time
// (jsonChunks); the error is a read error.
func eachJSON(r io.Reader, name string, b *Batch, fn func(n, line int, v json.RawMessage)) error {
	return jsonChunks(r, func(raw []byte, values, lines int) bool {
		return eachJSONIn(raw, name, b, values, lines, fn)
	})
}

// eachJSONIn is eachJSON on raw, a run of values of an export with n0 values and line0 lines
// before it; it reports false when a value that does not parse ends the export.
func eachJSONIn(raw []byte, name string, b *Batch, n0, line0 int, fn func(n, line int, v json.RawMessage)) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	line, last := 1+line0, int64(0)
	for n := n0; ; n++ {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return true
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
			if fixed, ok := repairJSON(brokenPart(raw[start:], pageSyntaxError(err, start))); ok {
				bad.Reason = "truncated json"
				bad.Detail += fmt.Sprintf("; the whole records before the break (%d bytes) were kept", len(fixed))
				fn(n, line, fixed)
			}
			b.Bad = append(b.Bad, bad)
			return false
		}
		fn(n, line, v)
	}
}

// chunkBytes is about how much of a JSON export jsonChunks hands on at a time: enough pages
// that the per-chunk work is lost in the per-record work, few enough that a chunk's records
// are a small part of a run's memory.
var chunkBytes = 256 << 10 // a variable for tests

// jsonChunks reads an export of top-level JSON values (one per file, or one per line as
// JSONL) and calls fn with runs of whole top-level objects of about chunkBytes, decoded by
// DecodeText, with the number of values and of newlines before the run; fn reports false to
// stop. What the run-by-run reading cannot cut safely, it hands on whole: anything at the top
// level but an object (an array, a stray byte) ends the runs and the rest of the export goes
// in one, as does an object cut short; and an export that does not start plainly (a BOM, UTF-16,
// white space only) is read whole and goes in one run. DecodeText gives the same on runs as on
// the whole, as runs are cut after ASCII bytes. An export read by Parse is in one run.
func jsonChunks(r io.Reader, fn func(chunk []byte, values, lines int) bool) error {
	if h, ok := r.(heldReader); ok {
		fn(DecodeText(h.b), 0, 0)
		return nil
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(512); !plainStart(head) {
		raw, err := io.ReadAll(br)
		if err != nil {
			return err
		}
		fn(DecodeText(raw), 0, 0)
		return nil
	}
	buf := make([]byte, 0, chunkBytes+64<<10)
	values, lines, n, emitted := 0, 0, 0, false // values and lines before buf; values in it
	emit := func(chunk []byte) bool {
		emitted = true
		more := fn(DecodeText(chunk), values, lines)
		values += n
		lines += bytes.Count(chunk, []byte("\n"))
		n = 0
		return more
	}
	depth, inString, escaped := 0, false, false
	for {
		data, err := br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return err
		}
		end := -1 // where the last value ending in data ends
		for i := 0; i < len(data); i++ {
			c := data[i]
			if inString && !escaped {
				// Most of an export is strings: jump to the next quote when no escape is
				// before it.
				if j := bytes.IndexByte(data[i:], '"'); j > 0 && bytes.IndexByte(data[i:i+j], '\\') < 0 {
					i += j
					c = '"'
				}
			}
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
			case '{':
				depth++
			case '[':
				if depth == 0 {
					return emitRest(br, append(buf, data...), emit)
				}
				depth++
			case '}', ']':
				depth--
				if depth < 0 {
					return emitRest(br, append(buf, data...), emit)
				}
				if depth == 0 {
					n++
					end = i
				}
			case ' ', '\t', '\r', '\n':
			default:
				if depth == 0 {
					return emitRest(br, append(buf, data...), emit)
				}
			}
		}
		if end >= 0 && len(buf)+end+1 >= chunkBytes {
			buf = append(buf, data[:end+1]...)
			if !emit(buf) {
				return nil
			}
			buf = append(buf[:0], data[end+1:]...)
		} else {
			buf = append(buf, data...)
		}
		if errors.Is(err, io.EOF) {
			if !emitted || len(bytes.TrimSpace(buf)) > 0 {
				emit(buf)
			}
			return nil
		}
	}
}

// emitRest hands on the rest of an export in one run.
func emitRest(br *bufio.Reader, buf []byte, emit func([]byte) bool) error {
	rest, err := io.ReadAll(br)
	if err != nil {
		return err
	}
	emit(append(buf, rest...))
	return nil
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
