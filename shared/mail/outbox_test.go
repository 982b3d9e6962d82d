package mail

import (
	"bytes"
	"testing"

	"github.com/civicpulse/civicpulse/shared/store"
)

func TestOutbox(t *testing.T) {
	st, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail(t)
	o := NewOutbox(st, "outbox/")
	key, err := o.Send(ctxBg, e.From, e.To, e.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := "outbox/public.works@springfield.example.gov/" + e.MessageID + ".eml"; key != want {
		t.Errorf("key got %s; want %s", key, want)
	}
	again, err := o.Send(ctxBg, e.From, e.To, e.Raw)
	if err != nil || again != key {
		t.Errorf("second send got %s, %v; want the same key %s", again, err, key)
	}
	b, err := store.ReadAll(ctxBg, st, key)
	if err != nil || !bytes.Equal(b, e.Raw) {
		t.Errorf("outbox file got %d bytes, %v; want the message", len(b), err)
	}
	if infos, _ := st.List(ctxBg, "outbox/"); len(infos) != 1 {
		t.Errorf("outbox holds %d files; want 1", len(infos))
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.b@example.gov", "a.b@example.gov"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{"x/y\\z:*?", "x_y_z___"},
		{"", "_"},
	}
	for _, tt := range tests {
		if got := fileName(tt.in); got != tt.want {
			t.Errorf("fileName(%q) got %q; want %q", tt.in, got, tt.want)
		}
	}
}
