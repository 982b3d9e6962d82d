package kpi

import (
	"encoding/binary"
	"fmt"

	"github.com/civicpulse/civicpulse/shared/spill"
)

// spilled is the part of an aggregate written to temporary files (a spill.Sorter of its
// records) and the first error met writing or reading them: aggregates have no error path
// of their own, so Computer.Err reports it. Survey responses, keyphrase counts and close
// times each have one, nil until they first spill; author hashes spill otherwise
// (authors.go).
type spilled struct {
	s    *spill.Sorter
	err  error
	what string // what the records are, for errors: "survey responses"
}

func newSpilled(what string, cmp func(a, b []byte) int, opts spill.Options) *spilled {
	return &spilled{s: spill.New(cmp, opts), what: what}
}

// fail keeps err if it is the first.
func (sp *spilled) fail(err error) {
	if sp.err == nil {
		sp.err = err
	}
}

// add adds a copy of rec. After an error, records are dropped: the aggregate is incomplete,
// and Err says so.
func (sp *spilled) add(rec []byte) {
	if sp.err != nil {
		return
	}
	if err := sp.s.Add(rec); err != nil {
		sp.fail(fmt.Errorf("kpi: spill %s: %w", sp.what, err))
	}
}

// addKey adds an unsigned number as a big-endian record, so that the byte order is the order.
func (sp *spilled) addKey(x uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], x)
	sp.add(b[:])
}

// error is the first error met; a nil set has none.
func (sp *spilled) error() error {
	if sp == nil {
		return nil
	}
	return sp.err
}

// len is the number of records; a nil set has none.
func (sp *spilled) len() int {
	if sp == nil {
		return 0
	}
	return int(sp.s.Len())
}

// close releases the temporary files.
func (sp *spilled) close() error {
	if sp == nil || sp.s == nil {
		return nil
	}
	return sp.s.Close()
}

// takeSpilled moves the records of *from into *into, after its own (taken whole if *into has
// none), with its error: *from is nil afterwards. Both must order records alike.
func takeSpilled(into, from **spilled) {
	o := *from
	*from = nil
	switch {
	case o == nil:
	case *into == nil:
		*into = o
	default:
		d := *into
		if o.err != nil {
			d.fail(o.err)
		}
		if err := d.s.Absorb(o.s); err != nil {
			d.fail(fmt.Errorf("kpi: merge %s: %w", d.what, err))
		}
	}
}
