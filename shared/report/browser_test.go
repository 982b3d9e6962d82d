package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/kpi"
	"github.com/civicpulse/civicpulse/shared/report"
)

var screenshots = flag.String("screenshots", "", "also write the browser screenshots to this directory, to look at")

// chromium returns the path of a headless Chromium; it skips the test locally when there is
// none and fails it under CI, where .ci/with-servers installs it.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not on PATH (.ci/with-servers installs it: apt-get install -y chromium)")
	}
	t.Skip("chromium not on PATH; apt-get install -y chromium")
	return ""
}

// browserCheck is what the page reports about itself once loaded.
type browserCheck struct {
	Images      int      `json:"images"`
	Broken      []string `json:"broken"`      // images not loaded, by alt text
	ScrollWidth int      `json:"scrollWidth"` // of the document: wider than the window means a side scroll
	Width       int      `json:"width"`       // of the window
	Pwned       bool     `json:"pwned"`       // a script from the corpus ran
	Lang        string   `json:"lang"`
}

// checkScript runs after load and writes its findings into the DOM, where --dump-dom shows them.
const checkScript = `<script>
window.addEventListener("load", function () {
  var broken = [];
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    if (!(img.complete && img.naturalWidth > 0)) broken.push(img.alt);
  }
  var out = document.createElement("pre");
  out.id = "civicpulse-check";
  out.textContent = JSON.stringify({
    images: document.images.length, broken: broken,
    scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
    pwned: document.documentElement.hasAttribute("data-pwned"), lang: document.documentElement.lang
  });
  document.body.appendChild(out);
  // In a narrow frame (see render), report to the page that --dump-dom prints.
  if (window.parent !== window) window.parent.document.body.appendChild(out.cloneNode(true));
});
</script>`

// browserHTML is the message's HTML as a browser can open it from a file: the cid: charts
// become data: URIs (what a mail client does with the inline parts), and the check script
// is added at the end of the body.
func browserHTML(t testing.TB, m *report.Message) []byte {
	t.Helper()
	html := m.HTML
	for _, p := range m.Inline {
		cid := []byte(`src="cid:` + p.ContentID + `"`)
		if !bytes.Contains(html, cid) {
			t.Errorf("HTML does not reference %s", p.ContentID)
		}
		html = bytes.ReplaceAll(html, cid, []byte(`src="data:`+p.ContentType+`;base64,`+base64.StdEncoding.EncodeToString(p.Data)+`"`))
	}
	if n := bytes.Count(html, []byte("</body>")); n != 1 {
		t.Fatalf("HTML has %d </body>; want 1", n)
	}
	return bytes.Replace(html, []byte("</body>"), []byte(checkScript+"</body>"), 1)
}

var checkOutput = regexp.MustCompile(`(?s)<pre id="civicpulse-check">(.*?)</pre>`)

// minWindow is the narrowest window headless Chromium opens; a narrower page is shown in
// an iframe of its width.
const minWindow = 500

// render opens page in headless Chromium at width x height CSS pixels, takes a screenshot
// (checked to be a PNG) and returns what the check script found.
func render(t *testing.T, page []byte, width, height int) browserCheck {
	t.Helper()
	bin := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	window := width
	if width < minWindow {
		window = minWindow
		frame := fmt.Sprintf(`<!DOCTYPE html><html><body style="margin:0"><iframe src="report.html" width="%d" height="%d" style="border:0;display:block"></iframe></body></html>`, width, height)
		file = filepath.Join(dir, "frame.html")
		if err := os.WriteFile(file, []byte(frame), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot := filepath.Join(dir, "report.png")
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
			"--allow-file-access-from-files", // the frame reads its page's result
			"--user-data-dir=" + filepath.Join(dir, "profile"), fmt.Sprintf("--window-size=%d,%d", window, height),
			"--virtual-time-budget=5000"}, args...)
		cmd := exec.CommandContext(ctx, bin, append(args, "file://"+file)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return stdout.Bytes()
	}
	dom := run("--dump-dom")
	run("--screenshot=" + shot)

	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if got := img.Bounds().Size(); got.X != window || got.Y != height {
		t.Errorf("screenshot is %v; want %dx%d", got, window, height)
	}
	if *screenshots != "" {
		if window != width { // keep the frame only
			var buf bytes.Buffer
			if err := png.Encode(&buf, img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(image.Rect(0, 0, width, height))); err != nil {
				t.Fatal(err)
			}
			b = buf.Bytes()
		}
		name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + ".png"
		if err := os.WriteFile(filepath.Join(*screenshots, name), b, 0o644); err != nil {
			t.Error(err)
		}
	}

	m := checkOutput.FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the check script left no result; the page as rendered:\n%.2000s", dom)
	}
	var c browserCheck
	// The result is text in a <pre>: the serializer escaped & < > in it.
	js := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(string(m[1]))
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("check result %q: %v", js, err)
	}
	return c
}

func loadFixture(t testing.TB) (*kpi.Document, *config.City) {
	t.Helper()
	b, err := os.ReadFile("testdata/kpis.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc kpi.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
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

func cityManager(t testing.TB, city *config.City) config.Recipient {
	t.Helper()
	for _, r := range city.Recipients {
		if r.Key == "city-manager" {
			return r
		}
	}
	t.Fatal("no city-manager in the fixture")
	return config.Recipient{}
}

// TestBrowserRender opens the city manager's email in headless Chromium, at a desktop and a
// phone width: every chart loads and nothing makes the page scroll sideways.
func TestBrowserRender(t *testing.T) {
	t.Parallel()
	doc, city := loadFixture(t)
	m, err := report.Build(doc, city, cityManager(t, city))
	if err != nil {
		t.Fatal(err)
	}
	page := browserHTML(t, m)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 760, 2600}, {"phone", 375, 3600}} {
		t.Run(size.name, func(t *testing.T) {
			t.Parallel()
			c := render(t, page, size.width, size.height)
			t.Logf("%+v", c)
			if c.Images != len(m.Inline) || len(c.Broken) > 0 {
				t.Errorf("images: %d on the page, not loaded %q; want %d, all loaded", c.Images, c.Broken, len(m.Inline))
			}
			if c.ScrollWidth > c.Width {
				t.Errorf("page is %dpx wide in a %dpx window; want no side scroll", c.ScrollWidth, c.Width)
			}
			if c.Lang != "en" {
				t.Errorf("lang got %q; want en", c.Lang)
			}
		})
	}
}
