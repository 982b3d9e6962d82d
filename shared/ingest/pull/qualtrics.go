package pull

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// qualtrics pulls the Qualtrics response export for responses recorded in the window since
// the last run: POST /API/v3/surveys/{id}/export-responses (format csv, with labels), poll
// .../export-responses/{progressId} until complete, then GET .../{fileId}/file, a zip whose
// CSV (three header rows) the file ingest reads as is.
func (r *run) qualtrics() (Cursor, error) {
	next := r.cur
	start, end := r.windowStart(), r.now
	base := r.cfg.Endpoint + "/API/v3/surveys/" + url.PathEscape(r.cfg.Query) + "/export-responses"
	header := http.Header{"X-Api-Token": {r.secret}, "Accept": {"application/json"}}
	reqBody, err := json.Marshal(map[string]any{
		"format": "csv", "useLabels": true,
		"startDate": start.Format(time.RFC3339), "endDate": end.Format(time.RFC3339),
	})
	if err != nil {
		return next, err
	}
	post := header.Clone()
	post.Set("Content-Type", "application/json")
	resp, err := r.opts.Client.do(r.ctx, request{source: r.src.ID, method: http.MethodPost, url: base, header: post, body: reqBody})
	if err != nil {
		return next, err
	}
	var started qualtricsProgress
	if err := r.decode(resp.body, base, &started); err != nil {
		return next, err
	}
	progress := started.Result
	if progress.ProgressID == "" {
		return next, fmt.Errorf("pull %s: POST %s: no progressId in the answer", r.src.ID, base)
	}
	wait := time.Second
	for polls := 0; progress.Status != "complete"; polls++ {
		switch {
		case progress.Status == "failed":
			return next, fmt.Errorf("pull %s: qualtrics export %s failed", r.src.ID, progress.ProgressID)
		case polls >= qualtricsMaxPolls:
			return next, fmt.Errorf("pull %s: qualtrics export %s not complete after %d polls (%.0f%%)", r.src.ID, progress.ProgressID, polls, progress.PercentComplete)
		}
		if polls > 0 {
			if err := r.opts.Client.sleep(r.ctx, wait); err != nil {
				return next, err
			}
			wait = min(2*wait, 15*time.Second)
		}
		u := base + "/" + url.PathEscape(progress.ProgressID)
		body, err := r.get(u, header)
		if err != nil {
			return next, err
		}
		var p qualtricsProgress
		if err := r.decode(body, u, &p); err != nil {
			return next, err
		}
		progress.Status, progress.PercentComplete, progress.FileID = p.Result.Status, p.Result.PercentComplete, p.Result.FileID
	}
	if progress.FileID == "" {
		return next, fmt.Errorf("pull %s: qualtrics export %s complete without a fileId", r.src.ID, progress.ProgressID)
	}
	u := base + "/" + url.PathEscape(progress.FileID) + "/file"
	file, err := r.get(u, http.Header{"X-Api-Token": {r.secret}})
	if err != nil {
		return next, err
	}
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return next, fmt.Errorf("pull %s: %s: read zip: %w", r.src.ID, u, err)
	}
	tag := windowTag(start, end)
	for _, f := range zr.File {
		if !strings.EqualFold(path.Ext(f.Name), ".csv") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return next, fmt.Errorf("pull %s: open %s in export zip: %w", r.src.ID, f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 1<<30))
		rc.Close()
		if err != nil {
			return next, fmt.Errorf("pull %s: read %s in export zip: %w", r.src.ID, f.Name, err)
		}
		if err := r.put(tag, "csv", b); err != nil {
			return next, err
		}
	}
	next.Until = end
	return next, nil
}

// qualtricsMaxPolls bounds the wait for an export (about 15 minutes at 15 s a poll).
const qualtricsMaxPolls = 60

type qualtricsProgress struct {
	Result struct {
		ProgressID      string  `json:"progressId"`
		FileID          string  `json:"fileId"`
		PercentComplete float64 `json:"percentComplete"`
		Status          string  `json:"status"`
	} `json:"result"`
}
