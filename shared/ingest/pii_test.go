package ingest_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/civicpulse/civicpulse/shared/ingest"
)

// The labeled PII set: resident texts with planted personal data of every kind the redactor
// claims, and tricky texts with none (routes, 311, years, prices, times, dates, ordinal
// streets, hashtags, city accounts). It is generated from a fixed seed, so it is the same on
// every run; go test -run TestRedactionLabeledSet -v prints the figures.

type planted struct{ kind, value string }

type piiCase struct {
	text   string
	plants []planted
}

var placeholderOf = map[string]string{
	"email": ingest.RedactedEmail, "phone_us": ingest.RedactedPhone, "phone_intl": ingest.RedactedPhone,
	"address": ingest.RedactedAddress, "ssn": ingest.RedactedSSN, "card": ingest.RedactedCard, "handle": ingest.RedactedHandle,
}

var (
	firstNames  = []string{"jane", "mike", "maria", "jose", "li", "aisha", "tom", "olga", "kwame", "sarah", "dave", "priya", "chen", "fatima", "luis", "emma"}
	lastNames   = []string{"doe", "smith", "garcia", "nguyen", "okafor", "kowalski", "patel", "johnson", "brown", "lee", "martinez", "oconnor", "kim", "haddad"}
	domains     = []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "comcast.net", "aol.com", "icloud.com", "proton.me", "mail.example.org", "springfield.k12.il.us"}
	streetNames = []string{"Maple", "Oak", "Elm", "Main", "Washington", "Lincoln", "Park", "Cedar", "Pine", "Lake", "Hill", "Martin Luther King Jr", "Old Mill", "5th", "21st", "MacArthur", "Van Buren", "St. Clair", "O'Hare", "Sunny Brook"}
	suffixes    = []string{"Street", "St", "St.", "Avenue", "Ave", "Ave.", "Road", "Rd", "Boulevard", "Blvd", "Drive", "Dr", "Lane", "Ln", "Court", "Ct", "Place", "Way", "Terrace", "Parkway", "Circle"}
	directions  = []string{"", "", "", "N ", "S. ", "East ", "W "}
)

func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func genEmail(r *rand.Rand) string {
	f, l, d := pick(r, firstNames), pick(r, lastNames), pick(r, domains)
	switch r.IntN(5) {
	case 0:
		return f + "." + l + "@" + d
	case 1:
		return f + l + digits(r, 2) + "@" + d
	case 2:
		return f[:1] + "_" + l + "+city@" + d
	case 3:
		return strings.ToUpper(f + "." + l + "@" + d)
	default:
		return l + "." + f + digits(r, 1) + "@" + d
	}
}

func genUSPhone(r *rand.Rand) string {
	a := fmt.Sprintf("%d%s", 2+r.IntN(8), digits(r, 2))
	e := fmt.Sprintf("%d%s", 2+r.IntN(8), digits(r, 2))
	n := digits(r, 4)
	switch r.IntN(7) {
	case 0:
		return "(" + a + ") " + e + "-" + n
	case 1:
		if r.IntN(2) == 0 {
			return "(" + a + ")" + e + "-" + n
		}
		return a + "-" + e + "-" + n
	case 2:
		return a + "." + e + "." + n
	case 3:
		return a + " " + e + " " + n
	case 4:
		return "+1 " + a + " " + e + " " + n
	case 5:
		return "1-" + a + "-" + e + "-" + n
	default:
		return a + e + n
	}
}

func genIntlPhone(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return "+44 20 " + digits(r, 4) + " " + digits(r, 4)
	case 1:
		return "+49 30 " + digits(r, 8)
	case 2:
		return "+33 " + fmt.Sprint(1+r.IntN(9)) + " " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2) + " " + digits(r, 2)
	case 3:
		return "+91 9" + digits(r, 4) + " " + digits(r, 5)
	case 4:
		return "+52 55 " + digits(r, 4) + " " + digits(r, 4)
	case 5:
		return "+61 2 " + digits(r, 4) + " " + digits(r, 4)
	case 6:
		return "+353 1 " + digits(r, 3) + " " + digits(r, 4)
	default:
		return "+44 (0)20 " + digits(r, 4) + " " + digits(r, 4)
	}
}

func genAddress(r *rand.Rand) string {
	num := fmt.Sprint(1 + r.IntN(9999))
	if r.IntN(10) == 0 {
		num += "B"
	}
	a := num + " " + pick(r, directions) + pick(r, streetNames) + " " + pick(r, suffixes)
	if r.IntN(5) == 0 {
		a = strings.ToLower(a)
	}
	return a
}

func genSSN(r *rand.Rand) string {
	a, g, s := fmt.Sprintf("%03d", 1+r.IntN(665)), fmt.Sprintf("%02d", 1+r.IntN(99)), fmt.Sprintf("%04d", 1+r.IntN(9999))
	if r.IntN(3) == 0 {
		return a + " " + g + " " + s
	}
	return a + "-" + g + "-" + s
}

func genCard(r *rand.Rand) string {
	var prefix string
	n := 16
	switch r.IntN(3) {
	case 0:
		prefix = "4"
	case 1:
		prefix = fmt.Sprint(51 + r.IntN(5))
	default:
		prefix, n = pick(r, []string{"34", "37"}), 15
	}
	body := prefix + digits(r, n-1-len(prefix))
	sum := 0
	for i := len(body) - 1; i >= 0; i-- { // Luhn check digit
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	num := body + fmt.Sprint((10-sum%10)%10)
	sep := pick(r, []string{" ", "-", ""})
	if n == 15 {
		return num[:4] + sep + num[4:10] + sep + num[10:]
	}
	return num[:4] + sep + num[4:8] + sep + num[8:12] + sep + num[12:]
}

func genHandle(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return "@" + pick(r, firstNames) + "_" + pick(r, lastNames)
	case 1:
		return "@" + strings.ToUpper(pick(r, firstNames)[:1]) + pick(r, firstNames)[1:] + digits(r, 2)
	case 2:
		return "@" + pick(r, lastNames) + pick(r, firstNames)[:1]
	default:
		return "@the_real_" + pick(r, firstNames)
	}
}

// Resident sentences around the planted value; %s is the value. They carry numbers that are
// not PII (routes, times, prices) so that precision is tested inside PII texts too.
var piiTemplates = map[string][]string{
	"email": {"Please email me at %s when the pothole on Route 9 is fixed.", "Reply to Jane Doe <%s>.", "(%s) is best, not my work one", "contact: %s (I reported this in 2023 too)",
		"My email is %s, the streetlight has been out since 10/03.", "Send the permit copy to %s thanks!"},
	"phone_us": {"Call me at %s, the water main on 5th Street broke at 6:30 AM.", "my cell %s if the crew needs gate access",
		"Left a voicemail, please call back %s. Case took 14 days already.", "Text %s — the #12 bus skipped our stop again."},
	"phone_intl": {"I'm abroad until June, reach me on %s about my property tax bill of $2,340.", "WhatsApp %s please, re: noise complaint",
		"Tel. %s (visiting family), the hotel on 3rd Ave is loud all night."},
	"address": {"The pothole in front of %s is huge, 3 cars got flat tires this week.", "%s: trash not picked up, 2nd week.", "Broken glass on the sidewalk at %s, apt 4 entrance.", "Trash not picked up at %s since Tuesday.",
		"Abandoned car parked outside %s for 2 weeks.", "Water leaking from the hydrant near %s, started at 7pm.", "I live at %s and the bus 22 stop has no shelter."},
	"ssn": {"Someone posted my SSN %s on the parks board page, please remove it!", "The form asked for SSN: %s and now I'm worried.",
		"my social security number %s was printed on the utility bill"},
	"card": {"I paid the $45 parking ticket with card %s but it still shows unpaid.", "Charged twice on %s for the pool pass.",
		"Refund to card %s please, the event on 7/4 was cancelled."},
	"handle": {"%s dumped trash in the alley behind the library again", "RT %s: the 5:15 train never came", "Thanks %s for organizing the cleanup on Saturday!",
		"cc %s — the crosswalk at 2nd and Main still has no signal", "%s said the council meeting moved to 6pm"},
}

var generators = map[string]func(*rand.Rand) string{
	"email": genEmail, "phone_us": genUSPhone, "phone_intl": genIntlPhone, "address": genAddress,
	"ssn": genSSN, "card": genCard, "handle": genHandle,
}

func piiCases() []piiCase {
	r := rand.New(rand.NewPCG(2026, 11))
	kinds := make([]string, 0, len(generators))
	for k := range generators {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var cases []piiCase
	for i := range 1400 {
		k := kinds[i%len(kinds)]
		v := generators[k](r)
		c := piiCase{text: fmt.Sprintf(pick(r, piiTemplates[k]), v), plants: []planted{{k, v}}}
		if i%4 == 0 { // a second kind in the same text
			k2 := kinds[(i/4+3)%len(kinds)]
			v2 := generators[k2](r)
			c.text += " " + fmt.Sprintf(pick(r, piiTemplates[k2]), v2)
			c.plants = append(c.plants, planted{k2, v2})
		}
		cases = append(cases, c)
	}
	return cases
}

var cleanTemplates = []func(*rand.Rand) string{
	func(r *rand.Rand) string {
		return fmt.Sprintf("The Route %d bus was %d minutes late again at %d:%02d %s.", 1+r.IntN(99), 5+r.IntN(40), 1+r.IntN(12), r.IntN(60), pick(r, []string{"AM", "PM", "am", "pm"}))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Called 311 on %02d/%02d/%d and nobody came for %d days.", 1+r.IntN(12), 1+r.IntN(28), 2018+r.IntN(8), 2+r.IntN(20))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Property tax went up $%d,%03d this year, from $%d,%03d.%02d in %d.", 1+r.IntN(9), r.IntN(1000), 1+r.IntN(9), r.IntN(1000), r.IntN(100), 2015+r.IntN(10))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Love the new bike lanes on %s %s! #BikeSpringfield #%dBudget", pick(r, []string{"5th", "21st", "3rd", "42nd", "1st"}), pick(r, suffixes), 2020+r.IntN(6))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Thanks %s for the quick fix on %s Ave, took %d hours.", pick(r, []string{"@SpringfieldCity", "@SpringfieldPD", "@springfield311", "@SPFDParks"}), pick(r, []string{"2nd", "9th", "Main", "Oak"}), 2+r.IntN(48))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Council meeting at City Hall on %d-%02d-%02d at %02d:%02d, room %d.", 2020+r.IntN(7), 1+r.IntN(12), 1+r.IntN(28), 8+r.IntN(12), r.IntN(60), 100+r.IntN(400))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Permit #%d-%05d still pending after %d days, ward %d.", 2019+r.IntN(8), r.IntN(100000), 10+r.IntN(200), 1+r.IntN(50))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Between %s Ave and %s Ave the streetlights are out, about %d of them.", pick(r, []string{"4th", "7th", "11th"}), pick(r, []string{"8th", "12th", "15th"}), 3+r.IntN(30))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("I-%d exit %d is a mess, call 911 if you see another crash. Highway %d Road work until %d.", 10+r.IntN(90), 1+r.IntN(300), 1+r.IntN(200), 2025+r.IntN(3))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("In %d we had %d potholes on Elm St, now it's %d.", 2010+r.IntN(15), 5+r.IntN(100), 5+r.IntN(100))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Zip code %05d needs more recycling bins, at least %d.", 10000+r.IntN(89999), 2+r.IntN(20))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Meet @ the park %s for the cleanup, bring gloves. @%dpm sharp!", pick(r, []string{"Saturday", "on 6/12", "tomorrow"}), 1+r.IntN(11))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("The %d00 block of %s %s has %d lanes on %s Ave backing up.", 1+r.IntN(60), pick(r, []string{"Main", "Oak", "Lincoln"}), pick(r, []string{"St", "Street", "Ave"}), 2+r.IntN(4), pick(r, []string{"5th", "9th"}))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Rated the library %d out of 10, staff answered in %d.%d minutes.", r.IntN(11), 1+r.IntN(9), r.IntN(10))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Bus %d and bus %d both skipped stop %d this morning; %d%% of trips late.", 1+r.IntN(99), 1+r.IntN(99), 10000+r.IntN(9999), 10+r.IntN(80))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Population grew to %d,%03d in %d, yet pool hours are still %d to %d.", 50+r.IntN(900), r.IntN(1000), 2010+r.IntN(15), 6+r.IntN(4), 5+r.IntN(5))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Invoice %07d for $%d.%02d was paid on %02d.%02d.%d. #311 #Potholes", r.IntN(10000000), 10+r.IntN(900), r.IntN(100), 1+r.IntN(28), 1+r.IntN(12), 2019+r.IntN(7))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("From %d to %d Monday through Friday, the %d line runs every %d min. Budget rose %d%% between %d and %d.", 6+r.IntN(4), 5+r.IntN(5), 1+r.IntN(99), 5+r.IntN(30), 1+r.IntN(30), 2015+r.IntN(5), 2020+r.IntN(5))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Route %d Lane closures again and the Rt %d detour sign is wrong, %d years in a row.", 1+r.IntN(99), 1+r.IntN(99), 2+r.IntN(9))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("The FY%d-%d budget adds %d officers; ordinance %d-%03d passed %d-%d.", 2024+r.IntN(3), 25+r.IntN(3), 2+r.IntN(40), 2019+r.IntN(7), r.IntN(1000), 3+r.IntN(6), r.IntN(4))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Library book ISBN 978-%d-%02d-%06d-%d is overdue, fine is $%d.%02d", r.IntN(10), r.IntN(100), r.IntN(1000000), r.IntN(10), r.IntN(20), r.IntN(100))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Snow emergency: %d inches by %d:%02d, lots %d-%d on %s St are open, call 311 not 911.", 2+r.IntN(20), 1+r.IntN(12), r.IntN(60), 1+r.IntN(9), 10+r.IntN(20), pick(r, []string{"2nd", "3rd", "Main", "Elm"}))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Thanks @SpringfieldCity and #Ward%d crew! Game at %d:%02d, score %d-%d. RT if you agree", 1+r.IntN(9), 1+r.IntN(12), r.IntN(60), r.IntN(10), r.IntN(10))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("Temperature hit %d degrees on July %dth and the cooling center at 5th Street was closed at %d:%02d.", 90+r.IntN(20), 4+r.IntN(20), 1+r.IntN(12), r.IntN(60))
	},
}

func cleanCases() []string {
	r := rand.New(rand.NewPCG(7, 311))
	out := make([]string, 0, 1200)
	for i := range 1200 {
		out = append(out, cleanTemplates[i%len(cleanTemplates)](r))
	}
	return out
}

func TestRedactionLabeledSet(t *testing.T) {
	red := &ingest.Redactor{Key: []byte("k"), PublicHandles: map[string]bool{"springfieldcity": true, "springfieldpd": true, "springfield311": true, "spfdparks": true}}
	type tally struct{ planted, found, tp, fp int }
	byKind := map[string]*tally{}
	byPlaceholder := map[string]*tally{}
	for _, p := range placeholderOf {
		byPlaceholder[p] = &tally{}
	}
	for k := range generators {
		byKind[k] = &tally{}
	}
	var misses, falses []string
	for _, c := range piiCases() {
		out := red.Text(c.text)
		want := map[string]int{}
		for _, p := range c.plants {
			byKind[p.kind].planted++
			want[placeholderOf[p.kind]]++
			if !strings.Contains(out, p.value) && strings.Contains(out, placeholderOf[p.kind]) {
				byKind[p.kind].found++
			} else if len(misses) < 15 {
				misses = append(misses, fmt.Sprintf("%s %q -> %q", p.kind, p.value, out))
			}
		}
		for ph, tl := range byPlaceholder {
			n := strings.Count(out, ph)
			tl.tp += min(n, want[ph])
			if n > want[ph] {
				tl.fp += n - want[ph]
				if len(falses) < 15 {
					falses = append(falses, fmt.Sprintf("%q -> %q", c.text, out))
				}
			}
		}
	}
	clean := cleanCases()
	changed := 0
	for _, s := range clean {
		out := red.Text(s)
		if out == s {
			continue
		}
		changed++
		for ph, tl := range byPlaceholder {
			tl.fp += strings.Count(out, ph)
		}
		if len(falses) < 15 {
			falses = append(falses, fmt.Sprintf("clean %q -> %q", s, out))
		}
	}
	totalPlanted := 0
	kinds := make([]string, 0, len(byKind))
	for k, tl := range byKind {
		kinds = append(kinds, k)
		totalPlanted += tl.planted
	}
	sort.Strings(kinds)
	t.Logf("labeled set: %d planted PII instances in %d texts, %d clean tricky texts (%d changed)", totalPlanted, len(piiCases()), len(clean), changed)
	for _, k := range kinds {
		tl := byKind[k]
		recall := float64(tl.found) / float64(tl.planted)
		t.Logf("recall    %-10s %4d/%4d = %.4f", k, tl.found, tl.planted, recall)
		if recall < 0.99 {
			t.Errorf("recall of %s = %.4f; want ≥ 0.99", k, recall)
		}
	}
	phs := make([]string, 0, len(byPlaceholder))
	for ph := range byPlaceholder {
		phs = append(phs, ph)
	}
	sort.Strings(phs)
	for _, ph := range phs {
		tl := byPlaceholder[ph]
		prec := 1.0
		if tl.tp+tl.fp > 0 {
			prec = float64(tl.tp) / float64(tl.tp+tl.fp)
		}
		t.Logf("precision %-10s %4d/%4d = %.4f", ph, tl.tp, tl.tp+tl.fp, prec)
		if prec < 0.95 {
			t.Errorf("precision of %s = %.4f; want ≥ 0.95", ph, prec)
		}
	}
	if totalPlanted < 1000 || len(clean) < 1000 {
		t.Errorf("set too small: %d planted, %d clean", totalPlanted, len(clean))
	}
	if t.Failed() {
		t.Logf("misses: %s", strings.Join(misses, "\n"))
		t.Logf("false positives: %s", strings.Join(falses, "\n"))
	}
}
