package infra_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civicpulse/civicpulse/shared/config"
	"github.com/civicpulse/civicpulse/shared/sample"
)

// cron is the subset of EventBridge Scheduler cron expressions the template uses: fixed
// minute and hour, a fixed day of the month or "*", a month list or "*", "?" for the day of
// the week and "*" for the year. Parsing anything else fails the test, so a schedule that
// leaves the subset has to bring its own check.
type cron struct {
	minute, hour, day int   // day 0: every day
	months            []int // nil: every month
}

func parseCron(t *testing.T, expr string) cron {
	t.Helper()
	f := cronFields(t, expr)
	var c cron
	num := func(s string, lo, hi int) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			t.Fatalf("%q: field %q; want a number in %d..%d", expr, s, lo, hi)
		}
		return n
	}
	c.minute, c.hour = num(f[0], 0, 59), num(f[1], 0, 23)
	if f[2] != "*" {
		c.day = num(f[2], 1, 28) // 29-31 would skip short months
	}
	if f[3] != "*" {
		for _, m := range strings.Split(f[3], ",") {
			c.months = append(c.months, num(m, 1, 12))
		}
	}
	if f[4] != "?" || f[5] != "*" {
		t.Fatalf("%q: day-of-week %q, year %q; want ? and *", expr, f[4], f[5])
	}
	return c
}

// fires lists the times the schedule fires in [from, to), on the clock of loc, as Scheduler
// does with ScheduleExpressionTimezone.
func (c cron) fires(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		if (c.day != 0 && d.Day() != c.day) || (c.months != nil && !slices.Contains(c.months, int(d.Month()))) {
			continue
		}
		at := time.Date(d.Year(), d.Month(), d.Day(), c.hour, c.minute, 0, 0, loc)
		if !at.Before(from) && at.Before(to) {
			out = append(out, at)
		}
	}
	return out
}

// The template's default zone, samconfig's zone and the sample city's zone are one real IANA
// zone, and samconfig's fiscal year is the sample city's: a schedule on another clock or
// calendar than the KPIs' quarters would cut quarters wrongly.
func TestTimeZonesAgree(t *testing.T) {
	tmpl := loadTemplate(t)
	def := fmt.Sprint(at(tmpl, "Parameters", "CityTimeZone", "Default"))
	if _, err := time.LoadLocation(def); err != nil {
		t.Errorf("CityTimeZone default %q: %v", def, err)
	}
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"CityTimeZone=`+def+`"`) {
		t.Errorf("samconfig.toml does not set CityTimeZone=%s", def)
	}
	city, err := config.Load(strings.NewReader(string(sample.CityYAML)), "city.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if city.TimeZone != def {
		t.Errorf("sample city time zone %q; template default %q", city.TimeZone, def)
	}
	if want := fmt.Sprintf(`"FiscalYearStartMonth=%d"`, city.FiscalYearStartMonth); !strings.Contains(string(b), want) {
		t.Errorf("samconfig.toml does not set %s, the sample city's fiscal year", want)
	}
}

// The daily schedules fire once a local day at their local hour, through both DST changes of
// a year, and score runs after ingest.
func TestDailySchedulesFireOncePerCityDay(t *testing.T) {
	tmpl := loadTemplate(t)
	ingest := parseCron(t, fmt.Sprint(at(resource(t, tmpl, "IngestSchedule"), "Properties", "ScheduleExpression")))
	score := parseCron(t, fmt.Sprint(at(resource(t, tmpl, "ScoreFunction"), "Properties", "Events", "Daily", "Properties", "ScheduleExpression")))
	if score.hour*60+score.minute <= ingest.hour*60+ingest.minute {
		t.Errorf("score runs at %02d:%02d, not after ingest at %02d:%02d", score.hour, score.minute, ingest.hour, ingest.minute)
	}
	for _, zone := range []string{"America/Chicago", "Europe/London", "Australia/Sydney", "America/Phoenix"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
		to := from.AddDate(1, 0, 0)
		got := ingest.fires(loc, from, to)
		if len(got) != 365 {
			t.Errorf("%s: ingest fires %d times in 2027; want 365", zone, len(got))
		}
		offsets := map[int]bool{}
		for i, f := range got {
			if f.Hour() != ingest.hour || (i > 0 && f.YearDay() != got[i-1].YearDay()+1) {
				t.Errorf("%s: firing %d at %s", zone, i, f)
				break
			}
			_, off := f.Zone()
			offsets[off] = true
		}
		if dst := zone != "America/Phoenix"; (len(offsets) == 2) != dst {
			t.Errorf("%s: %d UTC offsets across the year; want the city's clock, DST and all", zone, len(offsets))
		}
	}
}

// For every fiscal year start and run day the stack accepts, the quarter schedule fires four
// times a year, each on the run day of the month after a fiscal quarter closes: the quarter
// the KPI function then computes ("the quarter that just ended") is the one that closed.
func TestQuarterScheduleFiresAfterEachQuarterCloses(t *testing.T) {
	tmpl := loadTemplate(t)
	expr := at(resource(t, tmpl, "QuarterStateMachine"), "Properties", "Events", "QuarterStart", "Properties", "ScheduleExpression")
	pattern := fmt.Sprint(list(at(expr, "Fn::Sub"))[0])
	starts := mapAt(t, tmpl, "Mappings", "FiscalQuarterStarts")
	p := mapAt(t, tmpl, "Parameters", "QuarterRunDay")
	lo, _ := strconv.Atoi(fmt.Sprint(p["MinValue"]))
	hi, _ := strconv.Atoi(fmt.Sprint(p["MaxValue"]))
	if lo < 1 || hi > 28 {
		t.Fatalf("QuarterRunDay allows %d..%d; every month has days 1..28 only", lo, hi)
	}
	loc, _ := time.LoadLocation("America/Chicago")
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	for fy := 1; fy <= 12; fy++ {
		for _, day := range []int{lo, 3, hi} {
			months := fmt.Sprint(at(starts, strconv.Itoa(fy), "Months"))
			c := parseCron(t, strings.NewReplacer("${Months}", months, "${Day}", strconv.Itoa(day)).Replace(pattern))
			got := c.fires(loc, from, from.AddDate(1, 0, 0))
			if len(got) != 4 {
				t.Errorf("fiscal year from month %d, day %d: %d firings in a year; want 4", fy, day, len(got))
				continue
			}
			for _, f := range got {
				// The fiscal quarter that contains the day before the first of this month
				// must have ended on that day.
				closed := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 0, -1)
				monthsIntoFY := (int(closed.Month()) - fy + 12) % 12
				if monthsIntoFY%3 != 2 || f.Day() != day {
					t.Errorf("fiscal year from month %d, day %d: fires %s, which does not follow a quarter's close", fy, day, f.Format(time.DateTime))
				}
			}
		}
	}
}
