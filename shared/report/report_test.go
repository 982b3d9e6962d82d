package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture loads testdata/kpis.json and testdata/city.yaml: five KPIs, one met with a
// significant improvement, one missed with a significant worsening, one at risk, one missed
// with no significant change, one without enough data.
func fixture(t testing.TB) (*kpi.Document, *config.City) {
	t.Helper()
	b, err := os.ReadFile("testdata/kpis.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("testdata/kpis.json: %v", err)
	}
	f, err := os.Open("testdata/city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	city, err := config.Load(f, "testdata/city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &doc, city
}

func recipient(t testing.TB, city *config.City, key string) config.Recipient {
	t.Helper()
	for _, r := range city.Recipients {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no recipient %q in the fixture", key)
	return config.Recipient{}
}

// golden compares got with testdata/golden/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, gl, wl)
		}
	}
	return "(same lines, different bytes)"
}

func TestGolden(t *testing.T) {
	doc, city := fixture(t)
	for _, key := range []string{"city-manager", "public-works"} {
		t.Run(key, func(t *testing.T) {
			m, err := Build(doc, city, recipient(t, city, key))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, key+".html", m.HTML)
			golden(t, key+".txt", m.Text)
			golden(t, key+".csv", m.Attachments[0].Data)
			golden(t, key+".subject", []byte(m.Subject+"\n"))
		})
	}
}

func TestSubject(t *testing.T) {
	doc, city := fixture(t)
	tests := []struct {
		key  string
		want string
	}{
		{"city-manager", "Springfield — Q1 FY2027 community KPIs: 1 of 5 on target"},
		{"public-works", "Springfield — Q1 FY2027 community KPIs: 1 of 2 on target"},
	}
	for _, tt := range tests {
		r, err := New(doc, city, recipient(t, city, tt.key))
		if err != nil {
			t.Fatal(err)
		}
		if r.Subject != tt.want {
			t.Errorf("%s: subject got %q; want %q", tt.key, r.Subject, tt.want)
		}
	}
}

func TestKPIRows(t *testing.T) {
	doc, city := fixture(t)
	r, err := New(doc, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, value, target, status, change, margin string
		chart                                     bool
	}{
		{"net_sentiment", "-4", "≥ 0", "✖ Missed", "no significant change", "±3 pts", true},
		{"net_sentiment_roads", "-12", "≥ -20", "✔ Met", "▲ +14 pts, better", "±5 pts", true},
		{"net_sentiment_homelessness", "No data", "≥ -30", "○ No data", "not comparable", "", true},
		{"volume_roads", "412", "≤ 350", "✖ Missed", "▲ +61, worse", "", true},
		{"satisfaction", "61%", "≥ 60%", "⚠ At risk", "no significant change", "±4 pts", true},
	}
	if len(r.KPIs) != len(want) {
		t.Fatalf("got %d KPI rows; want %d", len(r.KPIs), len(want))
	}
	for i, w := range want {
		k := r.KPIs[i]
		got := []string{k.ID, k.Value, k.Target, k.Status.Symbol + " " + k.Status.Word, k.Change, k.Margin, strconv.FormatBool(k.ChartID != "")}
		exp := []string{w.id, w.value, w.target, w.status, w.change, w.margin, strconv.FormatBool(w.chart)}
		if strings.Join(got, "|") != strings.Join(exp, "|") {
			t.Errorf("row %d: got %q; want %q", i, got, exp)
		}
	}
}

func TestHeadline(t *testing.T) {
	doc, city := fixture(t)
	tests := []struct {
		name string
		key  string
		edit func(*kpi.Document)
		want []string
	}{
		{
			name: "fixture", key: "city-manager",
			want: []string{
				"In Q1 FY2027, 1 of the 5 KPIs in this report met its target; 1 is at risk, 2 missed and 1 had too little data to report.",
				"Improved significantly since Q4 FY2026: Net sentiment about roads (from -26 to -12 points).",
				"Worsened significantly since Q4 FY2026: Road complaints and comments (from 351 to 412).",
				"The other KPIs show no significant change.",
				"Missed target: Net sentiment, all feedback (-4 points; target at least 0); Road complaints and comments (412; target at most 350).",
				"At risk, the target within the margin of error: Residents satisfied with city services (survey) (61%; target at least 60%).",
			},
		},
		{
			name: "nothing significant", key: "public-works",
			edit: func(d *kpi.Document) {
				for i := range d.KPIs {
					d.KPIs[i].ChangeSignificant = false
					d.KPIs[i].Status = kpi.StatusMet
				}
			},
			want: []string{
				"In Q1 FY2027, 2 of the 2 KPIs in this report met their target.",
				"No KPI changed significantly since Q4 FY2026.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cloneDoc(t, doc)
			if tt.edit != nil {
				tt.edit(d)
			}
			r, err := New(d, city, recipient(t, city, tt.key))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(r.Headline, "\n"), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("headline got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func cloneDoc(t testing.TB, d *kpi.Document) *kpi.Document {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var c kpi.Document
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestScope(t *testing.T) {
	doc, city := fixture(t)
	m, err := Build(doc, city, recipient(t, city, "public-works"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := New(doc, city, recipient(t, city, "public-works"))
	var kpis, topics []string
	for _, k := range r.KPIs {
		kpis = append(kpis, k.ID)
	}
	for _, tp := range r.Topics {
		topics = append(topics, tp.ID)
	}
	if got, want := strings.Join(kpis, ","), "net_sentiment_roads,volume_roads"; got != want {
		t.Errorf("KPIs got %s; want %s", got, want)
	}
	if got, want := strings.Join(topics, ","), "roads,sanitation"; got != want {
		t.Errorf("topics got %s; want %s", got, want)
	}
	if got := len(m.Inline); got != 2 {
		t.Errorf("got %d charts; want 2", got)
	}
	// Nothing outside the scope leaks into any rendering.
	for _, out := range []struct {
		name string
		b    []byte
	}{{"html", m.HTML}, {"text", m.Text}, {"csv", m.Attachments[0].Data}} {
		for _, hidden := range []string{
			"Net sentiment, all feedback", "homelessness", "Residents satisfied", "net_sentiment,",
			"Public safety", "officers walking", "splash pad", "Storm drains", "outreach workers",
		} {
			if bytes.Contains(out.b, []byte(hidden)) {
				t.Errorf("%s for public-works contains %q, which is outside its scope", out.name, hidden)
			}
		}
	}
}

func TestEscaping(t *testing.T) {
	doc, city := fixture(t)
	d := cloneDoc(t, doc)
	d.City = "Springfield\r\nBcc: evil@x"
	d.KPIs[1].Label = "Roads\r\nBcc: evil@x <b>bold</b>"
	d.Topics[0].Quotes[0].Text = `<script>alert(1)</script> "quoted" & <img src=x onerror=alert(2)>`
	d.Topics[0].Quotes[1].Text = "line one\nSubject: injected\u202Eevil"
	c := *city
	c.Report.AthenaConsoleURL = "javascript:alert(3)"
	to := recipient(t, &c, "city-manager")
	to.Name = `Alex "<i>" Rivera`
	m, err := Build(d, &c, to)
	if err != nil {
		t.Fatal(err)
	}
	html := string(m.HTML)
	for _, bad := range []string{"<script>", "<img src=x", "<b>bold", "<i>", "javascript:alert", `"quoted"`} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;quoted&#34; &amp; &lt;img src=x", "&lt;b&gt;bold&lt;/b&gt;"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks the escaped text %q", good)
		}
	}
	for _, s := range []struct{ name, v string }{{"subject", m.Subject}, {"from name", m.From.Name}, {"to name", m.To.Name}} {
		if i := strings.IndexFunc(s.v, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }); i >= 0 {
			t.Errorf("%s %q holds a control character", s.name, s.v)
		}
	}
	if want := "Springfield Bcc: evil@x — Q1 FY2027 community KPIs: 1 of 5 on target"; m.Subject != want {
		t.Errorf("subject got %q; want %q", m.Subject, want)
	}
	if strings.Contains(string(m.Text), "\nSubject: injected") {
		t.Errorf("text lets a quote start a line of its own:\n%s", m.Text)
	}
}

func TestCSVInjection(t *testing.T) {
	doc, city := fixture(t)
	d := cloneDoc(t, doc)
	labels := []string{`=HYPERLINK("http://x","click")`, "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB"}
	for i, l := range labels {
		d.KPIs[i].Label = l
	}
	r, err := New(d, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range labels {
		if got, want := rows[i+1][2], "'"+l; got != want {
			t.Errorf("label cell %d got %q; want %q", i, got, want)
		}
	}
	// Negative numbers stay numbers.
	if got, want := rows[2][4], "-0.12"; got != want {
		t.Errorf("value of net_sentiment_roads got %q; want %q", got, want)
	}
	tests := []struct{ in, want string }{
		{"-0.12", "-0.12"}, {"+3", "+3"}, {"1e-05", "1e-05"}, {"-", "'-"}, {"=1+1", "'=1+1"},
		{"  =cmd", "'  =cmd"}, {"\r=x", "'\r=x"}, {"plain text", "plain text"}, {"", ""},
	}
	for _, tt := range tests {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) got %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestCSVNumbers checks every number of the CSV against kpis.json.
func TestCSVNumbers(t *testing.T) {
	doc, city := fixture(t)
	r, err := New(doc, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), strings.Join(CSVHeader, ","); got != want {
		t.Fatalf("header got %s; want %s", got, want)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, k := range doc.KPIs {
		row := rows[i+1]
		noData := k.Status == kpi.StatusNoData
		checks := []struct {
			name string
			v    *float64
		}{
			{"value", k.Value}, {"ci_low", k.CILow}, {"ci_high", k.CIHigh}, {"target", &k.Target},
			{"previous", k.Previous}, {"change", k.Change}, {"year_ago", k.YearAgo}, {"p_value", k.PValue},
		}
		for _, c := range checks {
			cell := row[col[c.name]]
			blanked := noData && c.name != "target" && c.name != "previous" && c.name != "year_ago"
			switch {
			case c.v == nil || blanked:
				if cell != "" {
					t.Errorf("%s %s got %q; want empty", k.ID, c.name, cell)
				}
			default:
				f, err := strconv.ParseFloat(cell, 64)
				if err != nil || f != *c.v {
					t.Errorf("%s %s got %q; want %v", k.ID, c.name, cell, *c.v)
				}
			}
		}
		if got, want := row[col["n"]], strconv.FormatInt(k.N, 10); got != want {
			t.Errorf("%s n got %s; want %s", k.ID, got, want)
		}
		if got, want := row[col["status"]], k.Status; got != want {
			t.Errorf("%s status got %s; want %s", k.ID, got, want)
		}
	}
}

var styleAttr = regexp.MustCompile(`style="([^"]*)"`)
var cssColor = regexp.MustCompile(`(?:^|;)\s*(background-color|color)\s*:\s*(#[0-9a-fA-F]{6})`)

// TestContrast checks every element that sets a text colour: it sets its background too, and
// the pair has a contrast ratio of at least 4.5:1.
func TestContrast(t *testing.T) {
	doc, city := fixture(t)
	for _, key := range []string{"city-manager", "public-works"} {
		m, err := Build(doc, city, recipient(t, city, key))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, s := range styleAttr.FindAllStringSubmatch(string(m.HTML), -1) {
			var fg, bg string
			for _, c := range cssColor.FindAllStringSubmatch(s[1], -1) {
				if c[1] == "color" {
					fg = c[2]
				} else {
					bg = c[2]
				}
			}
			if fg == "" {
				continue
			}
			if bg == "" {
				t.Errorf("style %q sets a colour without its background", s[1])
				continue
			}
			checked++
			if r := contrast(fg, bg); r < 4.5 {
				t.Errorf("%s on %s: contrast got %.2f; want at least 4.5", fg, bg, r)
			}
		}
		if checked == 0 {
			t.Errorf("%s: no coloured text found", key)
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func TestChartsInlineAndReferenced(t *testing.T) {
	doc, city := fixture(t)
	m, err := Build(doc, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Build(doc, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inline) != 5 {
		t.Fatalf("got %d charts; want 5", len(m.Inline))
	}
	for i, p := range m.Inline {
		if !bytes.Contains(m.HTML, []byte(`src="cid:`+p.ContentID+`"`)) {
			t.Errorf("HTML does not reference chart %s", p.ContentID)
		}
		img, err := png.Decode(bytes.NewReader(p.Data))
		if err != nil {
			t.Errorf("chart %s: %v", p.Name, err)
			continue
		}
		if got, want := img.Bounds().Size().X, ChartWidth*chartScale; got != want {
			t.Errorf("chart %s width got %d; want %d", p.Name, got, want)
		}
		if got, want := img.Bounds().Size().Y, ChartHeight*chartScale; got != want {
			t.Errorf("chart %s height got %d; want %d", p.Name, got, want)
		}
		if !bytes.Equal(p.Data, again.Inline[i].Data) {
			t.Errorf("chart %s: two renderings differ", p.Name)
		}
	}
	if !bytes.Equal(m.HTML, again.HTML) || !bytes.Equal(m.Text, again.Text) {
		t.Error("two renderings of the same input differ")
	}
}

func TestTrendWords(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tests := []struct {
		name string
		res  kpi.Result
		want string
	}{
		{"rose", kpi.Result{Unit: kpi.UnitScore, Target: -0.2, Trend: []kpi.Point{{Quarter: "2026-Q4", Value: v(-0.26)}, {Quarter: "2027-Q1", Value: v(-0.12)}}},
			"X over 2 quarters: rose from -26 points in Q4 FY2026 to -12 points in Q1 FY2027; target at least -20."},
		{"fell", kpi.Result{Unit: kpi.UnitShare, Direction: "lower", Target: 0.5, Trend: []kpi.Point{{Quarter: "2026-Q4", Value: v(0.61)}, {Quarter: "2027-Q1", Value: v(0.55)}}},
			"X over 2 quarters: fell from 61% in Q4 FY2026 to 55% in Q1 FY2027; target at most 50%."},
		{"level", kpi.Result{Unit: kpi.UnitCount, Target: 10, Trend: []kpi.Point{{Quarter: "2026-Q4", Value: v(12)}, {Quarter: "2027-Q1", Value: v(12.2)}}},
			"X over 2 quarters: level at 12 from Q4 FY2026 to Q1 FY2027; target at least 10."},
		{"gap at the end", kpi.Result{Unit: kpi.UnitCount, Target: 10, Trend: []kpi.Point{{Quarter: "2026-Q3", Value: v(8)}, {Quarter: "2026-Q4", Value: v(12)}, {Quarter: "2027-Q1"}}},
			"X over 3 quarters: rose from 8 in Q3 FY2026 to 12 in Q4 FY2026; no data in Q1 FY2027; target at least 10."},
		{"one point", kpi.Result{Unit: kpi.UnitCount, Target: 10, Trend: []kpi.Point{{Quarter: "2026-Q4"}, {Quarter: "2027-Q1", Value: v(7)}}},
			"X: only Q1 FY2027 has data, 7; target at least 10."},
		{"none", kpi.Result{Unit: kpi.UnitCount, Trend: []kpi.Point{{Quarter: "2027-Q1"}}}, "X: no trend data yet."},
	}
	for _, tt := range tests {
		if got := describeTrend("X", tt.res); got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestChartWithoutData(t *testing.T) {
	var buf bytes.Buffer
	res := kpi.Result{ID: "empty", Target: 0.5, Trend: []kpi.Point{{Quarter: "2027-Q1"}}}
	if err := WriteChart(&buf, res); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Errorf("got an invalid PNG: %v", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{formatValue(kpi.UnitScore, 0.123), "+12"},
		{formatValue(kpi.UnitScore, -0.004), "0"},
		{formatValue(kpi.UnitScore, -0.5), "-50"},
		{formatValue(kpi.UnitShare, 0.605), "61%"},
		{formatValue(kpi.UnitCount, 1234567), "1,234,567"},
		{formatValue(kpi.UnitCount, -1234), "-1,234"},
		{formatDelta(kpi.UnitShare, -0.031), "-3 pts"},
		{formatMargin(kpi.UnitScore, -0.17, -0.07), "±5 pts"},
		{formatP(0.0004), "p < 0.001"},
		{formatP(0.0312), "p = 0.031"},
		{oneLine(" a\r\n\tb\u2028c\u202Ed  "), "a b c d"},
		{formatValue(kpi.UnitDays, 4.25), "4.3 days"},
		{formatValue(kpi.UnitDays, 1), "1 day"},
		{formatValue(kpi.UnitDays, 1234.5), "1,234.5 days"},
		{formatDelta(kpi.UnitDays, -1.52), "-1.5 days"},
		{formatDelta(kpi.UnitDays, 0.01), "0 days"},
		{formatMargin(kpi.UnitDays, 3.2, 4.8), "±0.8 days"},
		{formatValue("ratio", 0.125), "0.13"},
		{formatValue("", -2.5), "-2.5"},
		{formatDelta("", 0.5), "+0.5"},
		{formatValue(kpi.UnitShare, math.NaN()), "n/a"},
		{formatValue(kpi.UnitCount, math.Inf(1)), "n/a"},
		{formatDelta(kpi.UnitScore, math.NaN()), "n/a"},
		{formatLift(3.24), "3.2×"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q; want %q", i, tt.got, tt.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	doc, city := fixture(t)
	d := cloneDoc(t, doc)
	d.Quarter = "2027"
	if _, err := New(d, city, recipient(t, city, "city-manager")); err == nil {
		t.Error("New with a bad quarter: got nil error; want one")
	}
	c := *city
	c.Report.From = ""
	if _, err := Build(doc, &c, recipient(t, city, "city-manager")); err == nil {
		t.Error("Build without a sender: got nil error; want one")
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"cut at a word boundary please", 16, "cut at a word…"},
		{strings.Repeat("A", 20), 10, strings.Repeat("A", 9) + "…"},
		{"ünïcødé ünïcødé", 9, "ünïcødé…"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("shorten(%q, %d) got %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestUnits renders a KPI in every unit, the kinds colleagues add included: every figure is
// worded in its unit, and the CSV keeps the raw numbers.
func TestUnits(t *testing.T) {
	doc, city := fixture(t)
	tests := []struct {
		unit, kind                   string
		value, target, change, ciLow float64
		wantValue, wantTarget        string
		wantChange, wantMargin       string
	}{
		{kpi.UnitScore, "nps", 0.31, 0.25, 0.08, 0.27, "+31", "≥ +25", "▲ +8 pts, better", "±4 pts"},
		{kpi.UnitShare, "share_of_voice", 0.183, 0.2, -0.04, 0.16, "18%", "≥ 20%", "▼ -4 pts, worse", "±2 pts"},
		{kpi.UnitCount, "unique_contributors", 1834, 1500, 120, 1800, "1,834", "≥ 1,500", "▲ +120, better", "±34"},
		{kpi.UnitDays, "time_to_close", 6.42, 7, -1.3, 5.9, "6.4 days", "≥ 7 days", "▼ -1.3 days, worse", "±0.5 days"},
		{"per_1000", "future_kind", 2.345, 2, 0.5, 2.1, "2.35", "≥ 2", "▲ +0.5, better", "±0.25"},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			d := cloneDoc(t, doc)
			k := &d.KPIs[0]
			hi := 2*tt.value - tt.ciLow
			k.Unit, k.Kind, k.Value, k.Target, k.Change, k.CILow, k.CIHigh = tt.unit, tt.kind, &tt.value, tt.target, &tt.change, &tt.ciLow, &hi
			k.ChangeSignificant, k.Status, k.Direction = true, kpi.StatusMet, config.HigherIsBetter
			r, err := New(d, city, recipient(t, city, "city-manager"))
			if err != nil {
				t.Fatal(err)
			}
			row := r.KPIs[0]
			got := []string{row.Value, row.Target, row.Change, row.Margin}
			want := []string{tt.wantValue, tt.wantTarget, tt.wantChange, tt.wantMargin}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q; want %q", got, want)
			}
			m, err := r.Message()
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []struct {
				name      string
				b         []byte
				wantValue string
			}{{"html", m.HTML, strings.ReplaceAll(tt.wantValue, "+", "&#43;")}, {"text", m.Text, tt.wantValue}} {
				if bytes.Contains(part.b, []byte("NaN")) || !bytes.Contains(part.b, []byte(part.wantValue)) {
					t.Errorf("%s lacks %q or holds NaN", part.name, part.wantValue)
				}
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(m.Attachments[0].Data, []byte("\uFEFF")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if f, err := strconv.ParseFloat(rows[1][4], 64); err != nil || f != tt.value {
				t.Errorf("CSV value got %q; want %v", rows[1][4], tt.value)
			}
		})
	}
}

// TestQuotesOnce: a comment filed under two topics, or also behind an emerging phrase, is
// quoted once, under the first.
func TestQuotesOnce(t *testing.T) {
	doc, city := fixture(t)
	d := cloneDoc(t, doc)
	dup := d.Topics[0].Quotes[0]
	d.Topics[1].Quotes = append([]kpi.Quote{dup}, d.Topics[1].Quotes...)
	d.Emerging[0].Quotes = append([]kpi.Quote{dup}, d.Emerging[0].Quotes...)
	r, err := New(d, city, recipient(t, city, "city-manager"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tp := range r.Topics {
		for _, q := range tp.Quotes {
			if q.Text == dup.Text {
				n++
			}
		}
	}
	for _, e := range r.Emerging {
		for _, q := range e.Quotes {
			if q.Text == dup.Text {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("the quote is shown %d times; want 1", n)
	}
}

// TestEmerging: the section shows the fixture's phrases to the whole-city recipient, and is
// absent when there are none or the recipient's scope is narrower.
func TestEmerging(t *testing.T) {
	doc, city := fixture(t)
	none := cloneDoc(t, doc)
	none.Emerging = nil
	tests := []struct {
		name string
		doc  *kpi.Document
		key  string
		want bool
	}{
		{"whole city", doc, "city-manager", true},
		{"none this quarter", none, "city-manager", false},
		{"scoped recipient", doc, "public-works", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Build(tt.doc, city, recipient(t, city, tt.key))
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []struct {
				name, heading string
				b             []byte
			}{{"html", "Emerging topics", m.HTML}, {"text", "EMERGING TOPICS", m.Text}} {
				if got := bytes.Contains(part.b, []byte(part.heading)); got != tt.want {
					t.Errorf("%s has the section: got %v; want %v", part.name, got, tt.want)
				}
				if tt.want && !bytes.Contains(part.b, []byte("4.1% of feedback, up from 0.9% (4.4×)")) {
					t.Errorf("%s lacks the figures of “scooter parking”", part.name)
				}
			}
		})
	}
}
