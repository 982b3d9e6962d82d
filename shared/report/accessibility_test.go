package report_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/civicpulse/civicpulse/shared/report"
)

// TestAccessibility checks the structure a screen reader relies on: the page's language,
// layout tables marked as presentation, one data table whose headers have a scope, charts
// whose alt text states the trend, and every figure as text.
func TestAccessibility(t *testing.T) {
	doc, city := loadFixture(t)
	to := cityManager(t, city)
	r, err := report.New(doc, city, to)
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Message()
	if err != nil {
		t.Fatal(err)
	}
	var (
		lang                    string
		layout, data, imgs, ths int
		alts                    []string
		inData                  bool
		text                    strings.Builder
	)
	z := html.NewTokenizer(bytes.NewReader(m.HTML))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			break
		}
		tok := z.Token()
		attr := func(k string) (string, bool) {
			for _, a := range tok.Attr {
				if a.Key == k {
					return a.Val, true
				}
			}
			return "", false
		}
		switch {
		case tt == html.TextToken:
			text.WriteString(tok.Data)
		case tt == html.StartTagToken && tok.Data == "html":
			lang, _ = attr("lang")
		case tt == html.StartTagToken && tok.Data == "table":
			if role, _ := attr("role"); role == "presentation" {
				layout++
			} else {
				data++
				inData = true
			}
		case tt == html.StartTagToken && tok.Data == "th":
			ths++
			if scope, _ := attr("scope"); scope != "col" && scope != "row" {
				t.Errorf("<th> without scope col or row: %v", tok.Attr)
			}
			if !inData {
				t.Error("<th> outside the data table")
			}
		case tt == html.EndTagToken && tok.Data == "table":
			inData = false
		case tt == html.StartTagToken && tok.Data == "img":
			imgs++
			alt, ok := attr("alt")
			if !ok || strings.TrimSpace(alt) == "" {
				t.Errorf("<img> without alt text: %v", tok.Attr)
			}
			alts = append(alts, alt)
		}
	}
	if lang != "en" {
		t.Errorf("<html lang> got %q; want en", lang)
	}
	if data != 1 || layout < 2 {
		t.Errorf("got %d data tables and %d layout tables; want 1 data table, every other table role=presentation", data, layout)
	}
	if want := 5 + len(r.KPIs); ths != want {
		t.Errorf("got %d <th>; want %d (5 column headers, one row header per KPI)", ths, want)
	}
	if imgs != len(m.Inline) {
		t.Errorf("got %d images; want %d", imgs, len(m.Inline))
	}
	for i, alt := range alts {
		k := r.KPIs[i]
		if alt != k.Trend || !strings.Contains(alt, k.Label) || !strings.Contains(alt, "target") ||
			!(strings.Contains(alt, " rose ") || strings.Contains(alt, " fell ") || strings.Contains(alt, "level at") || strings.Contains(alt, "only ")) {
			t.Errorf("chart %d alt text %q: want the KPI, the direction of its trend and the target", i+1, alt)
		}
	}
	// Numbers are text, never only in a picture.
	page := text.String()
	for _, k := range r.KPIs {
		for _, s := range []string{k.Label, k.Value, k.Target, k.Status.Word, k.Change} {
			if !strings.Contains(page, s) {
				t.Errorf("%s: %q is not in the page's text", k.ID, s)
			}
		}
	}
}
