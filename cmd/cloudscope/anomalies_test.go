package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/anomaly"
	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/demo"
)

// costGroup is one queued Cost Explorer group: keys and an amount in USD.
func costGroup(usd float64, keys ...string) map[string]any {
	return map[string]any{"Keys": keys, "Metrics": map[string]any{"UnblendedCost": map[string]string{"Amount": fmt.Sprintf("%.4f", usd), "Unit": "USD"}}}
}

// weeksWithASpike is the anomaly query's answer as the emulator queues it:
// eight weeks and today by region and service, Amazon RDS in us-east-1 at
// about 40 a day but 160 yesterday, AWS Lambda flat at 5.
func weeksWithASpike(now time.Time) map[string]any {
	q := anomaly.Query(now, false)
	start, _ := time.Parse(time.DateOnly, q.Start)
	end, _ := time.Parse(time.DateOnly, q.End)
	var days []map[string]any
	for d, i := start, 0; d.Before(end); d, i = d.AddDate(0, 0, 1), i+1 {
		rds := 40 + float64(i%5) // a little variation, no weekly cycle
		if d.Equal(end.AddDate(0, 0, -2)) {
			rds = 160
		}
		days = append(days, map[string]any{
			"TimePeriod": map[string]string{"Start": d.Format(time.DateOnly), "End": d.AddDate(0, 0, 1).Format(time.DateOnly)},
			"Total":      map[string]any{}, "Estimated": d.Equal(end.AddDate(0, 0, -1)),
			"Groups": []map[string]any{costGroup(rds, "us-east-1", "Amazon Relational Database Service"), costGroup(5, "us-east-1", "AWS Lambda")},
		})
	}
	return map[string]any{"ResultsByTime": days, "DimensionValueAttributes": []any{}}
}

// A queued 8-week series with a spike for one service yields exactly that
// anomaly, through the daily scan, `cloudscope anomalies` and GET /anomalies.
func TestMotoAnomaliesEndToEnd(t *testing.T) {
	emulator.Reset(t)
	ctx := context.Background()
	now := time.Now().UTC()
	clients := awsconf.NewClients(emulator.Config(t, "us-east-1", awsconf.Options{}))
	// The scan asks the 30-day summary first, then the eight weeks.
	summary := map[string]any{"ResultsByTime": []map[string]any{}, "DimensionValueAttributes": []any{}}
	if err := demo.QueueCosts(ctx, clients, []map[string]any{summary, weeksWithASpike(now)}); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.db")
	code, _, stderr := cli(t, "scan", "--state", state, "--json")
	if code != 0 {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "1 spend anomalies") {
		t.Errorf("the scan did not report its anomaly:\n%s", stderr)
	}

	// The CLI: the eight weeks come from the state file's cost cache.
	code, stdout, stderr := cli(t, "anomalies", "--state", state, "--json")
	if code != 0 {
		t.Fatalf("anomalies: exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "Cost Explorer request") {
		t.Errorf("the CLI asked Cost Explorer again: %s", stderr)
	}
	var listed []cloudscope.Anomaly
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	yesterday := now.Truncate(24*time.Hour).AddDate(0, 0, -1).Format(time.DateOnly)
	if len(listed) != 1 || listed[0].Service != "Amazon Relational Database Service" || listed[0].Region != "us-east-1" || listed[0].Start != yesterday ||
		listed[0].Actual.String() != "160.00" || listed[0].Provisional {
		t.Fatalf("CLI anomalies %+v, want RDS in us-east-1 on %s at 160.00", listed, yesterday)
	}
	if ex := listed[0].Explanation; ex == nil || !ex.Covered || len(ex.Changes) != 0 {
		t.Errorf("explanation %+v: want covered by the scan, with no change (the account is empty)", ex)
	}
	code, stdout, _ = cli(t, "anomalies", "--state", state)
	if code != 0 || !strings.Contains(stdout, "Amazon Relational Database Service") || !strings.Contains(stdout, "160.00") {
		t.Errorf("table: exit %d\n%s", code, stdout)
	}

	// The route, on the local server.
	conf, err := appconfig.From(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range emulator.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	urls := make(chan string, 1)
	env := &environment{conf: conf, log: slog.New(slog.DiscardHandler), stdout: io.Discard, stderr: io.Discard, listening: func(u string) { urls <- u }}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serve(sctx, env, []string{"--addr", "127.0.0.1:0", "--state", state}) }()
	defer func() {
		cancel()
		<-served
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-served:
		t.Fatalf("serve did not start: %v", err)
	}
	resp, err := http.Get(base + "/anomalies?service=amazon%20relational%20database%20service")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env2 struct {
		Success bool
		Data    struct {
			Count     int                  `json:"count"`
			Anomalies []cloudscope.Anomaly `json:"anomalies"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&env2); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /anomalies: %d %v", resp.StatusCode, err)
	}
	if env2.Data.Count != 1 || env2.Data.Anomalies[0].ID != listed[0].ID {
		t.Errorf("GET /anomalies: %+v, want the CLI's %s", env2.Data, listed[0].ID)
	}
}
