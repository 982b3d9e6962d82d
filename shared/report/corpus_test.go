package report_test

import (
	"bytes"
	"io"
	"mime"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/net/html"

	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/mail"
	"github.com/civicpulse/civicpulse/shared/report"
)

// pwn marks the page when a payload runs; the browser check reports it.
const pwn = `document.documentElement.setAttribute('data-pwned','1')`

// corpus is hostile resident text: markup and script, header injection, text that reorders
// or widens the layout, entities and emoji.
var corpus = []string{
	`<script>` + pwn + `</script>`,
	`<img src=x onerror="` + pwn + `">`,
	`"><svg onload=` + pwn + `>`,
	`' onmouseover='` + pwn + `' x='`,
	`<a href="javascript:` + pwn + `">click me</a>`,
	`javascript:` + pwn,
	`</style><style>body{display:none}</style>`,
	`<!-- x --><![CDATA[ y ]]><iframe srcdoc="<script>` + pwn + `</script>">`,
	"Alex\r\nBcc: evil@example.com",
	"Roads\r\n\r\n<html>a body of its own",
	"Subject: x\nContent-Type: text/html\n\n<script>" + pwn + "</script>",
	"invoice\u202Egnp.exe and \u2066isolated\u2069 text",
	strings.Repeat("A", 10000),
	"https://example.com/" + strings.Repeat("very-long-path/", 400),
	`&lt;script&gt; &amp;amp; &#x3C;b&#x3E; &#0; &nbsp;`,
	"👩‍👩‍👧‍👦 👨🏽‍🚒 🏳️‍🌈 🇺🇸 e\u0301",
	"NUL\x00byte\u2028line\u2029para\ttab\vvt",
	"=cmd|' /C calc'!A0",
	"%0d%0aBcc: x@example.com",
}

var (
	allowedTags = []string{"html", "head", "meta", "title", "style", "body", "table", "tr", "td", "th",
		"p", "h1", "h2", "h3", "strong", "br", "img", "span", "ul", "li", "a", "pre", "div"}
	allowedAttrs = []string{"lang", "charset", "name", "content", "role", "width", "height", "cellpadding",
		"cellspacing", "border", "style", "align", "valign", "scope", "src", "alt", "href", "class"}
)

// hostileDoc puts corpus strings into every piece of text that comes from residents or config.
func hostileDoc(t *testing.T) (*kpi.Document, []string) {
	doc, _ := loadFixture(t)
	at := func(i int) string { return corpus[i%len(corpus)] }
	n := 0
	next := func() string { n++; return at(n - 1) }
	doc.City = "Springfield " + next()
	for i := range doc.KPIs {
		doc.KPIs[i].Label = next()
		doc.KPIs[i].Test = next()
	}
	for i := range doc.Topics {
		doc.Topics[i].Label = next()
		for j := range doc.Topics[i].Quotes {
			doc.Topics[i].Quotes[j].Text = next()
			doc.Topics[i].Quotes[j].Source = next()
		}
	}
	for i := range doc.Emerging {
		doc.Emerging[i].Phrase = next()
		for j := range doc.Emerging[i].Quotes {
			doc.Emerging[i].Quotes[j].Text = next()
		}
	}
	for i := range doc.Sources {
		doc.Sources[i].Source = next()
	}
	if n < len(corpus) {
		t.Fatalf("the fixture holds %d text fields; the corpus has %d strings", n, len(corpus))
	}
	return doc, corpus
}

// TestHostileText renders the corpus everywhere resident text goes: no markup or script of
// it survives in the HTML, no header of it reaches the MIME headers, no control or
// reordering character reaches a one-line field, and in a browser nothing runs and nothing
// widens the page.
func TestHostileText(t *testing.T) {
	t.Parallel()
	doc, _ := hostileDoc(t)
	_, city := loadFixture(t)
	to := cityManager(t, city)
	to.Name = corpus[8] // "Alex\r\nBcc: …"
	to.Role = corpus[0]
	m, err := report.Build(doc, city, to)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("html", func(t *testing.T) {
		z := html.NewTokenizer(bytes.NewReader(m.HTML))
		styles := 0
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				if z.Err() != io.EOF {
					t.Fatal(z.Err())
				}
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			if !slices.Contains(allowedTags, tok.Data) {
				t.Errorf("HTML has a <%s> element", tok.Data)
			}
			if tok.Data == "style" {
				styles++
			}
			for _, a := range tok.Attr {
				if !slices.Contains(allowedAttrs, a.Key) {
					t.Errorf("<%s> has an attribute %s=%q", tok.Data, a.Key, a.Val)
				}
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case a.Key == "src" && !strings.HasPrefix(v, "cid:"):
					t.Errorf("<%s src=%q>: want a cid: URL", tok.Data, a.Val)
				case a.Key == "href" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://"):
					t.Errorf("<%s href=%q>: want a web link", tok.Data, a.Val)
				}
			}
		}
		if styles != 1 {
			t.Errorf("HTML has %d <style> elements; want the template's one", styles)
		}
		for _, bad := range []string{"\u202E", "\u2066", "\x00", "\r"} {
			if bytes.Contains(m.HTML, []byte(bad)) {
				t.Errorf("HTML holds %q", bad)
			}
		}
		// Entities in resident text are shown as typed, not decoded.
		if !bytes.Contains(m.HTML, []byte("&amp;lt;script&amp;gt;")) {
			t.Error("HTML does not show the entity text &lt;script&gt; as typed")
		}
		if !bytes.Contains(m.HTML, []byte("👩‍👩‍👧‍👦")) {
			t.Error("HTML lost an emoji ZWJ sequence")
		}
	})

	t.Run("text", func(t *testing.T) {
		for i, line := range strings.Split(string(m.Text), "\n") {
			if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "Subject:") || strings.HasPrefix(line, "Content-Type:") {
				t.Errorf("text line %d starts a header of its own: %.60q", i+1, line)
			}
			if j := strings.IndexFunc(line, func(r rune) bool { return unicode.IsControl(r) || r == '\u202E' || r == '\u2028' }); j >= 0 {
				t.Errorf("text line %d holds a control character: %.60q", i+1, line[j:])
			}
		}
	})

	t.Run("mime", func(t *testing.T) {
		e, err := mail.Build(m, time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(e.Raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Bcc", "Cc", "Reply-To", "Content-Transfer-Encoding"} {
			if v, ok := msg.Header[h]; ok {
				t.Errorf("message has a %s header: %q", h, v)
			}
		}
		for _, h := range []string{"From", "To", "Subject", "Message-Id", "Date", "Mime-Version", "Content-Type"} {
			if n := len(msg.Header[h]); n != 1 {
				t.Errorf("message has %d %s headers; want 1", n, h)
			}
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if subject != m.Subject || strings.ContainsAny(subject, "\r\n\u202E") {
			t.Errorf("subject got %q; want %q on one line", subject, m.Subject)
		}
		toAddrs, err := msg.Header.AddressList("To")
		if err != nil || len(toAddrs) != 1 || toAddrs[0].Address != to.Email {
			t.Errorf("To got %v, %v; want only %s", toAddrs, err, to.Email)
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(e.Raw))
		if err != nil || len(env.Errors) > 0 {
			t.Errorf("enmime: %v %v", err, env.Errors)
		}
	})

	t.Run("browser", func(t *testing.T) {
		t.Parallel()
		c := render(t, browserHTML(t, m), 760, 2000)
		if c.Pwned {
			t.Error("a script from resident text ran")
		}
		if c.Images != len(m.Inline) || len(c.Broken) > 0 {
			t.Errorf("images: %d on the page, not loaded %q; want %d, all loaded", c.Images, c.Broken, len(m.Inline))
		}
		if c.ScrollWidth > c.Width {
			t.Errorf("page is %dpx wide in a %dpx window; want long words to wrap", c.ScrollWidth, c.Width)
		}
	})
}
