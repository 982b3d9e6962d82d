package faultproxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/civicpulse/civicpulse/shared/store/faultproxy"
)

// A proxy in front of a server answers half of the requests with S3's SlowDown, the same
// half for the same seed. In a test, the server is the S3-compatible one, and the S3 store's
// client (with store.S3Retryer) takes the proxy's URL as its endpoint.
func Example() {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "object bytes")
	}))
	defer server.Close()

	p, err := faultproxy.Start(server.URL, faultproxy.Options{
		Seed: 1, Rate: 0.5, Kinds: []faultproxy.Kind{faultproxy.SlowDown},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	for range 6 {
		resp, err := http.Get(p.URL + "/bucket/key")
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	fmt.Println(p.Stats())
	// Output:
	// 200 OK
	// 503 Service Unavailable
	// 200 OK
	// 200 OK
	// 503 Service Unavailable
	// 200 OK
	// 6 requests, 0 retries, 2 failed (1 after the server handled them), slowdown 2, internal-error 0, reset 0, truncate 0, latency 0
}
