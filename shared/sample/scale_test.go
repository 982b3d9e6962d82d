package sample

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// A scale quarter holds the posts asked for, each id once, inside the quarter, in files of
// bounded size; the same seed gives the same bytes.
func TestInstallScale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct{ posts, perFile, answersPerFile int }{
		{1, scalePostsPerFile, scaleAnswersPerFile},
		{91, scalePostsPerFile, scaleAnswersPerFile},
		{4321, 20, 50}, // several files a day, several survey exports
	} {
		posts := c.posts
		got, again := mapPutter{}, mapPutter{}
		if err := installScale(ctx, got, newScaleGen(DefaultSeed, posts, c.perFile, c.answersPerFile)); err != nil {
			t.Fatalf("install %d posts: %v", posts, err)
		}
		if err := installScale(ctx, again, newScaleGen(DefaultSeed, posts, c.perFile, c.answersPerFile)); err != nil {
			t.Fatal(err)
		}
		files, pages := 0, 0
		ids := map[string]bool{}
		answers, withPII := 0, 0
		q := quarterAt(quarters - 1)
		for key, data := range got {
			if !bytes.Equal(data, again[key]) {
				t.Errorf("%d posts: %s differs between two runs with the same seed", posts, key)
			}
			switch {
			case key == ConfigKey:
			case strings.HasPrefix(key, "inbox/twitter/"):
				files++
				n := 0
				sc := bufio.NewScanner(bytes.NewReader(data))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					pages++
					var pg apiPage
					if err := json.Unmarshal(sc.Bytes(), &pg); err != nil {
						t.Fatalf("%s: %v", key, err)
					}
					if pg.Meta.ResultCount != len(pg.Data) || len(pg.Data) > tweetsPerPage {
						t.Errorf("%s: page of %d posts says %d", key, len(pg.Data), pg.Meta.ResultCount)
					}
					n += len(pg.Data)
					for _, tw := range pg.Data {
						if ids[tw.ID] {
							t.Errorf("%s: id %s twice", key, tw.ID)
						}
						ids[tw.ID] = true
						if tw.CreatedAt < "2026-07-01T05" || tw.CreatedAt >= "2026-10-01T05" {
							t.Errorf("%s: created_at %s outside %s", key, tw.CreatedAt, q.label())
						}
						if strings.Contains(tw.Text, "@resident") || strings.Contains(tw.Text, "555-0") {
							withPII++
						}
					}
				}
				if n > c.perFile {
					t.Errorf("%s: %d posts; want at most %d a file", key, n, c.perFile)
				}
			case strings.HasPrefix(key, "inbox/resident_survey/"):
				rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				answers += len(rows) - 2
				if len(rows)-2 > c.answersPerFile {
					t.Errorf("%s: %d responses; want at most %d a file", key, len(rows)-2, c.answersPerFile)
				}
			default:
				t.Errorf("unexpected key %s", key)
			}
		}
		if days := 92; files < min(posts, days) || (posts > c.perFile*days && files <= days) {
			t.Errorf("%d posts in %d files of %d pages; want a file a day, more when a day has more than %d", posts, files, pages, c.perFile)
		}
		if len(ids) != posts {
			t.Errorf("got %d posts; want %d", len(ids), posts)
		}
		if want := max(1, posts/scaleSurveyShare); answers != want {
			t.Errorf("%d posts: got %d survey responses; want %d", posts, answers, want)
		}
		if posts > 1000 && withPII == 0 {
			t.Errorf("%d posts: none carries personal data", posts)
		}
	}
}

func TestPlantedPII(t *testing.T) {
	t.Parallel()
	values, err := PlantedPII(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for _, f := range files {
		all.Write(f.Data)
	}
	if len(values) < 100 {
		t.Fatalf("got %d planted values; want the ~3%% of texts that carry one", len(values))
	}
	for _, v := range values {
		if !bytes.Contains(all.Bytes(), []byte(v)) {
			t.Errorf("planted value %q is in no generated file", v)
		}
	}
}
