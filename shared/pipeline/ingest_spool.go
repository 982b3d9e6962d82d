package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"time"
)

// rowSpool holds rows of one table in a temporary file, in the order they came, to be read
// back once: the rows of the months an ingest is not writing at the moment. Rows are
// written field by field (spoolCodec), so what is read back equals what was written, nil
// pointers and pointers to zero values apart.
type rowSpool[T any] struct {
	codec *spoolCodec
	f     *os.File
	bw    *bufio.Writer
	rows  int
	buf   []byte
}

// spoolBuffer is the write buffer of a spool, and the read buffer when it is read back.
const spoolBuffer = 32 << 10

func newRowSpool[T any]() (*rowSpool[T], error) {
	codec, err := spoolCodecOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "civicpulse-rows-*")
	if err != nil {
		return nil, fmt.Errorf("spool rows: %w", err)
	}
	// Unlinked at once: the file goes with its descriptor, whatever becomes of the process.
	os.Remove(f.Name())
	return &rowSpool[T]{codec: codec, f: f, bw: bufio.NewWriterSize(f, spoolBuffer)}, nil
}

// add appends a row.
func (s *rowSpool[T]) add(row *T) error {
	s.buf = s.codec.append(s.buf[:0], reflect.ValueOf(row).Elem())
	var n [binary.MaxVarintLen64]byte
	s.bw.Write(n[:binary.PutUvarint(n[:], uint64(len(s.buf)))])
	if _, err := s.bw.Write(s.buf); err != nil {
		return fmt.Errorf("spool rows: %w", err)
	}
	s.rows++
	return nil
}

// each calls fn with every row, in the order they were added; the row is valid only
// during the call.
func (s *rowSpool[T]) each(fn func(*T) error) error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("spool rows: %w", err)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, math.MaxInt64), spoolBuffer)
	var row T
	v := reflect.ValueOf(&row).Elem()
	for range s.rows {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return fmt.Errorf("read spooled rows: %w", err)
		}
		if uint64(cap(s.buf)) < n {
			s.buf = make([]byte, n)
		}
		b := s.buf[:n]
		if _, err := io.ReadFull(br, b); err != nil {
			return fmt.Errorf("read spooled rows: %w", err)
		}
		if err := s.codec.read(b, v); err != nil {
			return fmt.Errorf("read spooled rows: %w", err)
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
	return nil
}

// close frees the file.
func (s *rowSpool[T]) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// spoolCodec writes and reads the exported fields of a flat struct: strings, numbers,
// booleans, times, string lists and pointers to those.
type spoolCodec struct {
	fields []spoolField
}

type spoolField struct {
	index int
	kind  reflect.Kind // of the value, under the pointer when ptr
	time  bool
	list  bool // []string
	ptr   bool
}

var timeType = reflect.TypeFor[time.Time]()

func spoolCodecOf(t reflect.Type) (*spoolCodec, error) {
	c := &spoolCodec{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			return nil, fmt.Errorf("spool rows of %s: field %s is not exported", t, sf.Name)
		}
		f := spoolField{index: i}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			f.ptr, ft = true, ft.Elem()
		}
		f.kind, f.time = ft.Kind(), ft == timeType
		switch {
		case f.time:
		case f.kind == reflect.Slice && ft.Elem().Kind() == reflect.String && !f.ptr:
			f.list = true
		case f.kind == reflect.String, f.kind == reflect.Float64, f.kind == reflect.Int64, f.kind == reflect.Bool:
		default:
			return nil, fmt.Errorf("spool rows of %s: field %s of type %s is not supported", t, sf.Name, sf.Type)
		}
		c.fields = append(c.fields, f)
	}
	return c, nil
}

func (c *spoolCodec) append(b []byte, row reflect.Value) []byte {
	for _, f := range c.fields {
		v := row.Field(f.index)
		if f.ptr {
			if v.IsNil() {
				b = append(b, 0)
				continue
			}
			b, v = append(b, 1), v.Elem()
		}
		switch {
		case f.time:
			t := v.Addr().Interface().(*time.Time)
			b = binary.AppendVarint(b, t.Unix())
			b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
		case f.list:
			if v.IsNil() {
				b = append(b, 0)
				continue
			}
			b = append(b, 1)
			b = binary.AppendUvarint(b, uint64(v.Len()))
			for i := range v.Len() {
				s := v.Index(i).String()
				b = binary.AppendUvarint(b, uint64(len(s)))
				b = append(b, s...)
			}
		case f.kind == reflect.String:
			s := v.String()
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		case f.kind == reflect.Float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float()))
		case f.kind == reflect.Int64:
			b = binary.AppendVarint(b, v.Int())
		case f.kind == reflect.Bool:
			if v.Bool() {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	}
	return b
}

var errSpoolShort = errors.New("spooled row cut short")

// read sets every field of row from b. The row's strings share one copy of b.
func (c *spoolCodec) read(b []byte, row reflect.Value) error {
	rec := string(b)
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		at := len(rec) - len(b) + k
		b = b[k+int(n):]
		return rec[at : at+int(n)], true
	}
	flag := func() (byte, bool) {
		if len(b) == 0 {
			return 0, false
		}
		x := b[0]
		b = b[1:]
		return x, true
	}
	for _, f := range c.fields {
		v := row.Field(f.index)
		if f.ptr {
			x, ok := flag()
			if !ok {
				return errSpoolShort
			}
			if x == 0 {
				v.SetZero()
				continue
			}
			p := reflect.New(v.Type().Elem())
			v.Set(p)
			v = p.Elem()
		}
		switch {
		case f.time:
			sec, k := binary.Varint(b)
			if k <= 0 {
				return errSpoolShort
			}
			b = b[k:]
			ns, k := binary.Uvarint(b)
			if k <= 0 {
				return errSpoolShort
			}
			b = b[k:]
			*v.Addr().Interface().(*time.Time) = time.Unix(sec, int64(ns)).UTC()
		case f.list:
			x, ok := flag()
			if !ok {
				return errSpoolShort
			}
			if x == 0 {
				v.SetZero()
				continue
			}
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)) {
				return errSpoolShort
			}
			b = b[k:]
			list := make([]string, n)
			for i := range list {
				if list[i], ok = str(); !ok {
					return errSpoolShort
				}
			}
			v.Set(reflect.ValueOf(list))
		case f.kind == reflect.String:
			s, ok := str()
			if !ok {
				return errSpoolShort
			}
			v.SetString(s)
		case f.kind == reflect.Float64:
			if len(b) < 8 {
				return errSpoolShort
			}
			v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)))
			b = b[8:]
		case f.kind == reflect.Int64:
			x, k := binary.Varint(b)
			if k <= 0 {
				return errSpoolShort
			}
			b = b[k:]
			v.SetInt(x)
		case f.kind == reflect.Bool:
			x, ok := flag()
			if !ok {
				return errSpoolShort
			}
			v.SetBool(x != 0)
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("spooled row has %d bytes too many", len(b))
	}
	return nil
}
