package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// WriteJSONLines prints every row of a Parquet file as one JSON object per line, columns in
// file order followed by the partition columns of its path (as Athena and DuckDB show them).
// Timestamps print as RFC 3339 in UTC.
func WriteJSONLines(w io.Writer, r io.ReaderAt, size int64, partitions [][2]string) error {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return fmt.Errorf("open parquet: %w", err)
	}
	fields := f.Schema().Fields()
	units := make([]time.Duration, len(fields)) // non-zero for timestamp columns
	for i, fld := range fields {
		if !fld.Leaf() {
			continue
		}
		if lt := fld.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				units[i] = ts.Unit.Value.Duration()
			}
		}
	}
	pr := parquet.NewReader(f)
	defer pr.Close()
	bw := bufio.NewWriter(w)
	var line bytes.Buffer
	for {
		row := map[string]any{}
		if err := pr.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("read parquet row: %w", err)
		}
		line.Reset()
		line.WriteByte('{')
		n := 0
		put := func(name string, v any) error {
			if n > 0 {
				line.WriteByte(',')
			}
			n++
			k, _ := json.Marshal(name)
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("column %s: %w", name, err)
			}
			line.Write(k)
			line.WriteByte(':')
			line.Write(b)
			return nil
		}
		for i, fld := range fields {
			v := row[fld.Name()]
			if ms, ok := v.(int64); ok && units[i] != 0 {
				v = time.Unix(0, ms*int64(units[i])).UTC().Format(time.RFC3339Nano)
			}
			if err := put(fld.Name(), v); err != nil {
				return err
			}
		}
		for _, p := range partitions {
			if err := put(p[0], p[1]); err != nil {
				return err
			}
		}
		line.WriteString("}\n")
		if _, err := bw.Write(line.Bytes()); err != nil {
			return err
		}
	}
	return bw.Flush()
}
