// Package report writes a quarter's report email for one recipient from kpis.json: the
// subject, a headline written from the numbers, the KPI table with status, significant-change
// arrows and a small trend chart per KPI, the top topics with residents' quotes, data notes and
// the queries behind the numbers.
//
// New selects what a recipient may see (their scope in city.yaml) and words every fact once;
// WriteHTML, WriteText, WriteCSV and WriteChart render those facts over an io.Writer, so the
// HTML, the plain text and the attached CSV cannot disagree. Message gathers them into a
// Message for package mail to encode and send.
//
// The output depends only on the input: the same kpis.json gives the same bytes, which is what
// makes a re-run of the report stage idempotent. Resident text and config text are untrusted:
// html/template escapes them in the HTML, header-bound text is made one line, and CSV cells
// that a spreadsheet would run as formulas are neutralised.
package report
