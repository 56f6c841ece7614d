package httpapi

import (
	"context"
	"net/http"

	"github.com/cloudscope/cloudscope/shared/bottleneck"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/scan"
)

// Bottlenecks is what the bottleneck, snapshot and scan routes need.
type Bottlenecks interface {
	// LatestFindings is the newest snapshot without its resources.
	LatestFindings(ctx context.Context) (*cloudscope.Snapshot, error)
	Get(ctx context.Context, id string) (*cloudscope.Snapshot, error)
	List(ctx context.Context, limit int) ([]cloudscope.SnapshotHeader, error)
	Before(ctx context.Context, id string) (*cloudscope.SnapshotHeader, error)
	Live(ctx context.Context, regions []string) (*cloudscope.Snapshot, error)
	StartScan(ctx context.Context) (cloudscope.ScanStarted, error)
	Status(ctx context.Context, id string) (*cloudscope.ScanStatus, error)
}

type bottlenecksData struct {
	Source       string                    `json:"source"`
	SnapshotID   string                    `json:"snapshot_id,omitempty"`
	FinishedAt   string                    `json:"finished_at,omitempty"`
	Regions      []string                  `json:"regions"`
	Findings     []cloudscope.Finding      `json:"findings"`
	Insufficient []cloudscope.Insufficient `json:"insufficient_data"`
	Errors       []cloudscope.Failure      `json:"errors"`
	Rules        map[string]string         `json:"rules"`
	// Summary is the potential savings of the findings shown.
	Summary bottlenecksSummary `json:"summary"`
	// Counts sum up the findings answered (after the filters).
	Counts findingCounts `json:"counts"`
}

// findingCounts count findings by severity and, when they carry one, by account.
type findingCounts struct {
	Findings   int                         `json:"findings"`
	BySeverity map[cloudscope.Severity]int `json:"by_severity"`
	ByAccount  map[string]int              `json:"by_account,omitempty"`
}

func countFindings(fs []cloudscope.Finding) findingCounts {
	c := findingCounts{Findings: len(fs), BySeverity: map[cloudscope.Severity]int{}}
	for _, f := range fs {
		c.BySeverity[f.Severity]++
		if f.AccountID != "" {
			if c.ByAccount == nil {
				c.ByAccount = map[string]int{}
			}
			c.ByAccount[f.AccountID]++
		}
	}
	return c
}

type bottlenecksSummary struct {
	Savings cloudscope.SavingsSummary `json:"savings"`
}

func (a *api) bottlenecks(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.RawQuery, bottlenecksParams)
	if err != nil {
		return err
	}
	fq, err := scan.NewFindingsQuery(scan.FindingsInput{Regions: listParam(q, "regions"), Accounts: listParam(q, "accounts"),
		Severity: listParam(q, "severity"), Source: q.Get("source")})
	if err != nil {
		return err
	}
	source, regions := fq.Source, fq.Regions
	if err := a.checkRegions(r.Context(), "regions", regions...); err != nil {
		return err
	}
	var snap *cloudscope.Snapshot
	if source == scan.SourceLatest {
		if snap, err = a.deps.Bottlenecks.LatestFindings(r.Context()); err != nil {
			return err
		}
		if snap == nil {
			return cloudscope.Errorf(cloudscope.CodeNotFound, "no scan has run yet: POST /scans, or wait for the daily schedule")
		}
	} else if snap, err = a.deps.Bottlenecks.Live(r.Context(), regions); err != nil {
		return err
	}
	snap = snap.InAccounts(fq.Accounts)
	d := bottlenecksData{Source: source, Regions: snap.Regions, Findings: []cloudscope.Finding{}, Insufficient: []cloudscope.Insufficient{},
		Errors: snap.Errors, Rules: bottleneck.Rules}
	if source == scan.SourceLatest {
		d.SnapshotID, d.FinishedAt = snap.ID, snap.FinishedAt.Format("2006-01-02T15:04:05Z07:00")
	}
	for _, f := range snap.Findings {
		if fq.Keeps(f) {
			d.Findings = append(d.Findings, f)
		}
	}
	for _, i := range snap.Insufficient { // severity does not apply to what was not judged
		if fq.InRegion(i.Region) {
			d.Insufficient = append(d.Insufficient, i)
		}
	}
	d.Counts = countFindings(d.Findings)
	d.Summary.Savings = cloudscope.SumSavings(d.Findings)
	if d.Errors == nil {
		d.Errors = []cloudscope.Failure{}
	}
	if d.Regions == nil { // the document's regions is a list, never null
		d.Regions = []string{}
	}
	return ok(w, d)
}

func (a *api) snapshots(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r.URL.RawQuery, snapshotsParams)
	if err != nil {
		return err
	}
	limit, err := scan.ParseListLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	hs, err := a.deps.Bottlenecks.List(r.Context(), limit)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"snapshots": hs})
}

func (a *api) snapshot(r *http.Request, id string) (*cloudscope.Snapshot, error) {
	if err := scan.CheckID("id", id, "snapshot"); err != nil {
		return nil, err
	}
	s, err := a.deps.Bottlenecks.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, cloudscope.Errorf(cloudscope.CodeNotFound, "no snapshot %q", cloudscope.Clip(id))
	}
	return s, nil
}

func (a *api) getSnapshot(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseQuery(r.URL.RawQuery, noParams); err != nil {
		return err
	}
	s, err := a.snapshot(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, s)
}

func (a *api) startScan(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseQuery(r.URL.RawQuery, noParams); err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	if err := mayStartScans(r.Context()); err != nil {
		return err
	}
	started, err := a.deps.Bottlenecks.StartScan(r.Context())
	if err != nil {
		return err
	}
	id, status := started.ID, "started"
	if started.AlreadyRunning {
		// One scan at a time: the caller follows the running one.
		status = "already_running"
		a.log.InfoContext(r.Context(), "scan already running", "scan_id", id)
	} else {
		a.log.InfoContext(r.Context(), "scan started", "scan_id", id)
	}
	w.Header().Set("Location", "/scans/"+id)
	writeJSON(w, http.StatusAccepted, envelope{Success: true, Data: map[string]string{"scan_id": id, "status": status,
		"progress": "/scans/" + id, "snapshot": "/snapshots/" + id}})
	return nil
}

// scanStatus is GET /scans/{id}: how a scan is going.
func (a *api) scanStatus(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseQuery(r.URL.RawQuery, noParams); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := scan.CheckID("id", id, "scan"); err != nil {
		return err
	}
	st, err := a.deps.Bottlenecks.Status(r.Context(), id)
	if err != nil {
		return err
	}
	if st == nil {
		return cloudscope.Errorf(cloudscope.CodeNotFound, "no scan %s in the last %d hours", cloudscope.Clip(id), int(cloudscope.StatusRetention.Hours()))
	}
	return ok(w, st)
}
