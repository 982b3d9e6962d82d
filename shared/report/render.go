package report

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	htmltemplate "html/template"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/civicpulse/civicpulse/shared/kpi"
)

//go:embed templates
var templates embed.FS

// Ink is a text colour with the background it sits on; every pair has a contrast of at least
// 4.5:1 (WCAG AA), which the tests check on the rendered HTML.
type ink struct{ fg, bg string }

var inks = map[string]ink{
	"text":           {"#111827", "#ffffff"},
	"muted":          {"#4b5563", "#ffffff"},
	"head":           {"#374151", "#f9fafb"},
	"link":           {"#1d4ed8", "#ffffff"},
	"code":           {"#111827", "#f3f4f6"},
	"page":           {"#374151", "#f3f4f6"},
	"better":         {"#166534", "#ffffff"},
	"worse":          {"#991b1b", "#ffffff"},
	kpi.StatusMet:    {"#14532d", "#dcfce7"},
	kpi.StatusAtRisk: {"#78350f", "#fef3c7"},
	kpi.StatusMissed: {"#7f1d1d", "#fee2e2"},
	kpi.StatusNoData: {"#374151", "#f3f4f6"},
}

func inkCSS(name string) htmltemplate.CSS {
	i, ok := inks[name]
	if !ok {
		i = inks["text"]
	}
	return htmltemplate.CSS("color:" + i.fg + ";background-color:" + i.bg + ";")
}

var (
	htmlTemplate = htmltemplate.Must(htmltemplate.New("report.html.tmpl").Funcs(htmltemplate.FuncMap{
		"ink": inkCSS,
		// A Content-ID is a URL the html/template escaper does not know; it is built from
		// sanitized characters only (see contentIDPart).
		"cid": func(id string) htmltemplate.URL { return htmltemplate.URL("cid:" + id) },
		// Resident text may hold a 10,000-character word: let it break anywhere rather
		// than widen the layout.
		"wrap":        func() htmltemplate.CSS { return "overflow-wrap:anywhere;word-break:break-word;" },
		"chartWidth":  func() int { return ChartWidth },
		"chartHeight": func() int { return ChartHeight },
	}).ParseFS(templates, "templates/report.html.tmpl"))
	textTemplate = texttemplate.Must(texttemplate.New("report.txt.tmpl").ParseFS(templates, "templates/report.txt.tmpl"))
)

// WriteHTML writes the report as an HTML email body. Every piece of resident and config text
// is escaped by html/template; charts are referenced as cid: URLs (see Message).
func (r *Report) WriteHTML(w io.Writer) error {
	if err := htmlTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

// WriteText writes the plain-text alternative: the same facts as the HTML.
func (r *Report) WriteText(w io.Writer) error {
	if err := textTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("render text: %w", err)
	}
	return nil
}

// CSVHeader is the header row of the KPI table as CSV. Values are in the units of kpis.json
// (scores -1..1, shares 0..1); an empty cell is a missing value.
var CSVHeader = []string{
	"quarter", "kpi_id", "label", "unit", "value", "ci_low", "ci_high", "n", "min_n", "target",
	"direction", "status", "previous", "change", "change_significant", "p_value", "test",
	"year_ago", "owner",
}

// WriteCSV writes the recipient's KPI table as CSV (UTF-8 with a byte-order mark, so that
// spreadsheet programs read the labels right). Cells that a spreadsheet would run as a formula
// are neutralised (see csvCell).
func (r *Report) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rows := [][]string{slices.Clone(CSVHeader)}
	for _, k := range r.KPIs {
		res := k.result
		value, lo, hi, change, p := res.Value, res.CILow, res.CIHigh, res.Change, res.PValue
		if res.Status == kpi.StatusNoData { // too little data: no number, as in the email
			value, lo, hi, change, p = nil, nil, nil, nil, nil
		}
		rows = append(rows, []string{
			r.Quarter, res.ID, res.Label, res.Unit, rawNumber(value), rawNumber(lo), rawNumber(hi),
			strconv.FormatInt(res.N, 10), strconv.FormatInt(res.MinN, 10), rawNumber(&res.Target),
			res.Direction, res.Status, rawNumber(res.Previous), rawNumber(change),
			strconv.FormatBool(res.ChangeSignificant && change != nil), rawNumber(p), res.Test,
			rawNumber(res.YearAgo), res.Owner,
		})
	}
	for _, row := range rows {
		for i := range row {
			row[i] = csvCell(row[i])
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// csvCell neutralises a cell a spreadsheet would treat as a formula (OWASP "CSV injection"):
// one starting, after any spaces, with = + - @ tab or CR gets a leading apostrophe. A plain
// number such as -0.12 is left alone: no spreadsheet runs it, and it must stay a number.
func csvCell(s string) string {
	if plainNumber.MatchString(s) {
		return s
	}
	t := strings.TrimLeft(s, " ")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

// Address is an email address with an optional display name.
type Address struct {
	Name  string
	Email string
}

// Part is a file carried by the message: an inline chart or an attachment.
type Part struct {
	Name        string // file name, "trend-net_sentiment.png"
	ContentType string // "image/png"
	// ContentID is how the HTML refers to an inline part ("cid:" + ContentID); empty for
	// attachments.
	ContentID string
	Data      []byte
}

// Message is one recipient's report email, rendered but not yet encoded as MIME (package mail
// does that).
type Message struct {
	Quarter   string // "2027-Q1"
	Recipient string // the recipient's key, which names it in paths and the send ledger
	From      Address
	To        Address
	Subject   string // one line, never holding a control character
	HTML      []byte
	Text      []byte
	// Inline are the charts the HTML shows by Content-ID, in table order.
	Inline []Part
	// Attachments is the KPI table as CSV.
	Attachments []Part
}

// CSVName is the file name of the attached KPI table.
func (r *Report) CSVName() string { return "kpis-" + r.Quarter + ".csv" }

// Message renders the report: HTML, text, one chart per KPI with a trend, and the CSV.
func (r *Report) Message() (*Message, error) {
	if r.From == "" {
		return nil, fmt.Errorf("report for %s: no sender address (report.from in city.yaml)", r.Recipient.Key)
	}
	m := &Message{
		Quarter:   r.Quarter,
		Recipient: r.Recipient.Key,
		From:      Address{Name: oneLine(r.City + " CivicPulse"), Email: oneLine(r.From)},
		To:        Address{Name: oneLine(r.Recipient.Name), Email: oneLine(r.Recipient.Email)},
		Subject:   r.Subject,
	}
	var html, text, table bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		return nil, err
	}
	if err := r.WriteText(&text); err != nil {
		return nil, err
	}
	if err := r.WriteCSV(&table); err != nil {
		return nil, err
	}
	m.HTML, m.Text = html.Bytes(), text.Bytes()
	for _, k := range r.KPIs {
		if k.ChartID == "" {
			continue
		}
		var png bytes.Buffer
		if err := WriteChart(&png, k.result); err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(k.ChartID, "@")
		m.Inline = append(m.Inline, Part{Name: name + ".png", ContentType: "image/png", ContentID: k.ChartID, Data: png.Bytes()})
	}
	m.Attachments = []Part{{Name: r.CSVName(), ContentType: "text/csv", Data: table.Bytes()}}
	return m, nil
}
