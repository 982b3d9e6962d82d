package pull_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/ingest/pull"
	"github.com/civicpulse/civicpulse/shared/store"
)

// Pull an Open311 server's new service requests into the inbox, where the file ingest
// parses them; the cursor says where tomorrow's pull starts.
func Example() {
	ctx := context.Background()
	// A GeoReport v2 server with two pages of requests.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "1":
			io.WriteString(w, `[{"service_request_id":"101","service_name":"Pothole","description":"Deep pothole","requested_datetime":"2026-10-01T09:00:00Z"}]`)
		case "2":
			io.WriteString(w, `[{"service_request_id":"102","service_name":"Graffiti","description":"Tagged wall","requested_datetime":"2026-10-01T10:00:00Z"}]`)
		default:
			io.WriteString(w, `[]`)
		}
	}))
	defer srv.Close()

	tmp, _ := os.MkdirTemp("", "pull-example")
	defer os.RemoveAll(tmp)
	st, _ := store.NewDir(tmp)
	src := config.Source{ID: "city311", Format: "open311",
		Pull: &config.Pull{Endpoint: srv.URL, Window: 24 * time.Hour}}
	now := time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC)

	res, err := pull.Pull(ctx, st, src, pull.Options{Now: now, Client: &pull.Client{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range res.Keys {
		fmt.Println(k)
	}
	cur, _ := pull.ReadCursor(ctx, st, "city311")
	fmt.Println("next pull from", cur.Until.Format(time.RFC3339))
	// Output:
	// inbox/city311/pull-20261001T060000Z-20261002T060000Z-p001.json
	// inbox/city311/pull-20261001T060000Z-20261002T060000Z-p002.json
	// next pull from 2026-10-02T06:00:00Z
}
