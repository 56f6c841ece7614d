package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cloudscope/cloudscope/shared/appconfig"
	"github.com/cloudscope/cloudscope/shared/awsconf/ec2client"
	"github.com/cloudscope/cloudscope/shared/demo"
	"github.com/cloudscope/cloudscope/shared/kv"
)

// getJSON reads one API answer's data.
func getJSON(t *testing.T, url string, data any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.Success {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		t.Fatal(err)
	}
}

// History survives a restart: scan, stop the server, start it again on the
// same state file, and read the same snapshots, the same stored inventory,
// with no new scan.
func TestHistorySurvivesARestart(t *testing.T) {
	emulator.Reset(t)
	ctx := context.Background()
	clients, err := demo.Clients(ctx, emulator.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec2client.In(clients, "us-east-1").RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"),
		InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	conf, err := appconfig.From(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.db")
	serveOnce := func(check func(base string)) {
		env := &environment{conf: conf, log: testLogger(t), stdout: os.Stderr, stderr: os.Stderr}
		local, closeState, err := openState(env, state)
		if err != nil {
			t.Fatal(err)
		}
		defer closeState()
		env.local = local
		ctx, cancel := context.WithCancel(ctx)
		served := make(chan error, 1)
		urls := make(chan string, 1)
		go func() { served <- listenAndServe(ctx, env, "127.0.0.1:0", clients, nil, func(u string) { urls <- u }) }()
		check(<-urls)
		cancel()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
	}

	type headers struct {
		Snapshots []struct{ ID string } `json:"snapshots"`
	}
	type page struct {
		Source     string `json:"source"`
		SnapshotID string `json:"snapshot_id"`
		Resources  []struct{ ID string }
	}
	var before headers
	var first page
	serveOnce(func(base string) {
		id := firstScan(t, base)
		getJSON(t, base+"/snapshots", &before)
		getJSON(t, base+"/resources?types=ec2", &first)
		if len(before.Snapshots) != 1 || before.Snapshots[0].ID != id || first.SnapshotID != id || len(first.Resources) != 2 {
			t.Fatalf("after the scan: %+v, %+v", before, first)
		}
	})
	if _, err := os.Stat(state); err != nil {
		t.Fatal("no state file after the server stopped:", err)
	}
	serveOnce(func(base string) {
		var after headers
		var again page
		getJSON(t, base+"/snapshots", &after)
		getJSON(t, base+"/resources?types=ec2", &again)
		if !slices.Equal(idsOf(after.Snapshots), idsOf(before.Snapshots)) || again.SnapshotID != first.SnapshotID || again.Source != "latest" || len(again.Resources) != 2 {
			t.Errorf("after a restart: %+v, %+v; want the same history and inventory", after, again)
		}
	})
	// While a server holds the file, a scan is told why it cannot keep history there.
	serveOnce(func(string) {
		start := time.Now()
		code, _, stderr := cli(t, "scan", "--state", state)
		if code == 0 || !strings.Contains(stderr, "in use") || time.Since(start) > 30*time.Second {
			t.Errorf("a scan while the server has the state: exit %d: %s", code, stderr)
		}
	})
}

func idsOf(s []struct{ ID string }) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.ID)
	}
	return out
}

// The records that outlive a scan are kept where the person chose: in the
// state file, across restarts, or in memory.
func TestStateKeepsRecords(t *testing.T) {
	ctx := context.Background()
	env := &environment{log: testLogger(t), stdout: os.Stderr, stderr: os.Stderr}
	mem, closeMem, err := openState(env, "memory")
	if err != nil {
		t.Fatal(err)
	}
	defer closeMem()
	if _, ok := mem.Records.(*kv.Memory); !ok {
		t.Errorf("--state memory keeps records in %T", mem.Records)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	k := kv.Key{Partition: kv.Scope("", "ledger"), Sort: "f1"}
	for run := range 2 {
		local, closeState, err := openState(env, path)
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			err = local.Records.Put(ctx, kv.Item{Key: k, Value: []byte("saved")}, kv.IfAbsent)
		} else if it, ok, gerr := local.Records.Get(ctx, k); !ok || string(it.Value) != "saved" {
			t.Errorf("after a restart: %q %v %v", it.Value, ok, gerr)
		}
		closeState()
		if err != nil {
			t.Fatal(err)
		}
	}
}
