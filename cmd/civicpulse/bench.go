package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/civicpulse/civicpulse/shared/sample"
	"github.com/civicpulse/civicpulse/shared/store"
)

const benchUsage = `bench [--sizes 100k,1M] [--procs 1] [--dir D] [--keep] [--profile DIR]

Generates a quarter of N posts (X API pages and SurveyMonkey exports, in files of bounded
size) for each size, runs ingest, score, kpi and report on it, each stage as a child process,
and prints records per CPU-second and peak RSS for each stage and the whole pipeline.
Progress goes to stderr, the table to stdout.`

// benchStages are the stages bench runs, in order, with their arguments after --store.
var benchStages = []struct {
	name string
	args []string
}{
	{"ingest", nil},
	{"score", nil},
	{"kpi", []string{"--quarter", sample.ScaleQuarter}},
	{"report", []string{"--quarter", sample.ScaleQuarter}},
}

// benchRow is one line of the table.
type benchRow struct {
	size, stage string
	records     int
	wall, cpu   time.Duration
	rssKB       int64
}

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "stage" {
		return runBenchStage(ctx, e, args[1:])
	}
	var sizes, dir, profile string
	var procs int
	var keep bool
	var seed int64
	fs := newFlagSet(e, "bench", benchUsage)
	fs.StringVar(&sizes, "sizes", "100k,1M", "posts per quarter, comma- or space-separated (k and M suffixes)")
	fs.IntVar(&procs, "procs", 1, "GOMAXPROCS of each stage")
	fs.StringVar(&dir, "dir", "", "where the stores go, DIR/<size>, each emptied first (default: a new temporary directory)")
	fs.BoolVar(&keep, "keep", false, "keep each size's store instead of removing it once measured")
	fs.StringVar(&profile, "profile", "", "write a CPU and a heap profile of every stage to this directory")
	fs.Int64Var(&seed, "seed", sample.DefaultSeed, "seed of the generated posts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ns []int
	var names []string
	for _, s := range strings.FieldsFunc(sizes, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := parseSize(s)
		if err != nil {
			return fmt.Errorf("--sizes: %w", err)
		}
		ns, names = append(ns, n), append(names, s)
	}
	if len(ns) == 0 {
		return fmt.Errorf("--sizes: name at least one size")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find own binary: %w", err)
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "civicpulse-bench-"); err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	if profile != "" {
		if err := os.MkdirAll(profile, 0o755); err != nil {
			return err
		}
	}
	var rows []benchRow
	for i, n := range ns {
		sizeRows, err := benchSize(ctx, e, self, filepath.Join(dir, names[i]), names[i], n, seed, procs, profile)
		if err != nil {
			return fmt.Errorf("bench %s: %w", names[i], err)
		}
		rows = append(rows, sizeRows...)
		if !keep {
			os.RemoveAll(filepath.Join(dir, names[i]))
		}
	}
	printBench(e, rows, procs)
	return nil
}

// benchSize generates one quarter and runs every stage on it.
func benchSize(ctx context.Context, e *env, self, dir, name string, posts int, seed int64, procs int, profile string) ([]benchRow, error) {
	if err := os.RemoveAll(dir); err != nil { // a store ingested before would ingest nothing
		return nil, err
	}
	st, err := store.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	fmt.Fprintf(e.stderr, "bench %s: generating %d posts in %s\n", name, posts, dir)
	if err := sample.InstallScale(ctx, st, seed, posts); err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "bench %s: generated in %s\n", name, time.Since(start).Round(time.Millisecond))
	var rows []benchRow
	whole := benchRow{size: name, stage: "pipeline"}
	records := 0
	for _, s := range benchStages {
		args := []string{"bench", "stage"}
		if profile != "" {
			base := filepath.Join(profile, name+"-"+s.name)
			args = append(args, "--cpuprofile", base+".cpu.pprof", "--memprofile", base+".heap.pprof")
		}
		args = append(append(args, s.name, "--store", dir, "-q"), s.args...)
		cmd := exec.CommandContext(ctx, self, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, e.stderr
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs), "CIVICPULSE_AUTHOR_KEY=civicpulse-bench-author-key")
		fmt.Fprintf(e.stderr, "bench %s: %s ...", name, s.name)
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(e.stderr)
			return nil, fmt.Errorf("%s: %w\n%s", s.name, err, out.String())
		}
		row := benchRow{size: name, stage: s.name, wall: time.Since(t0),
			cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rssKB: maxRSSKB(cmd.ProcessState)}
		switch s.name {
		case "ingest":
			var sum struct{ Feedback, Answers int }
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				return nil, fmt.Errorf("read ingest summary: %w", err)
			}
			records = sum.Feedback + sum.Answers
			row.records = records
		case "score":
			var sum struct{ Rows int }
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				return nil, fmt.Errorf("read score summary: %w", err)
			}
			row.records = sum.Rows
		default: // kpi and report read the whole quarter
			row.records = records
		}
		fmt.Fprintf(e.stderr, " %s, %.1f CPU s, %d MB\n", row.wall.Round(time.Millisecond), row.cpu.Seconds(), row.rssKB>>10)
		rows = append(rows, row)
		whole.wall += row.wall
		whole.cpu += row.cpu
		whole.rssKB = max(whole.rssKB, row.rssKB)
	}
	whole.records = records
	return append(rows, whole), nil
}

func printBench(e *env, rows []benchRow, procs int) {
	fmt.Fprintf(e.stdout, "\nCivicPulse bench: %s/%s, GOMAXPROCS=%d per stage; records/s per core = records / CPU seconds\n",
		runtime.GOOS, runtime.GOARCH, procs)
	fmt.Fprintf(e.stdout, "records: ingest, kpi, report and pipeline = feedback rows + survey answers of the quarter; score = feedback rows\n\n")
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tstage\trecords\twall s\tCPU s\trecords/s/core\tpeak RSS MB\t")
	for _, r := range rows {
		rate := 0.0
		if r.cpu > 0 {
			rate = float64(r.records) / r.cpu.Seconds()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.0f\t%.0f\t\n", r.size, r.stage, r.records, r.wall.Seconds(), r.cpu.Seconds(), rate, float64(r.rssKB)/1024)
	}
	tw.Flush()
	var first, last benchRow
	for _, r := range rows {
		if r.stage == "pipeline" {
			if first.stage == "" {
				first = r
			}
			last = r
			if r.size == "1M" {
				fmt.Fprintf(e.stdout, "\n1M pipeline: %.1f CPU s (target: under 30 s on one core)", r.cpu.Seconds())
			}
		}
	}
	if first.rssKB > 0 && last.size != first.size {
		fmt.Fprintf(e.stdout, "\npeak RSS %s / %s: %.2fx (target: at most 1.2x)", last.size, first.size, float64(last.rssKB)/float64(first.rssKB))
	}
	fmt.Fprintln(e.stdout)
}

// runBenchStage runs one stage in this process, with profiles when asked: bench's child.
func runBenchStage(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench stage", "bench stage [--cpuprofile F] [--memprofile F] STAGE [ARGS...]: run one stage, profiled (bench's child)")
	var cpu, mem string
	fs.StringVar(&cpu, "cpuprofile", "", "write a CPU profile here")
	fs.StringVar(&mem, "memprofile", "", "write a heap profile here at the end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(ctx, fs.Args(), e.stdin, e.stdout, e.stderr); err != nil {
		return err
	}
	if mem != "" {
		f, err := os.Create(mem)
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	return nil
}

// parseSize reads 100k, 1M, 2500 or 10M.
func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, s[:len(s)-1]
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1e9 {
		return 0, fmt.Errorf("size %q: want a number of posts such as 100k or 1M", s)
	}
	return int(n * float64(mult)), nil
}
