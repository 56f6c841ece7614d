package bottleneck

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Thresholds are the numbers the rules compare against. Each default names
// its source; a JSON document can override any of them.
type Thresholds struct {
	// Seed design: maximum CPU above 80% in the window is high.
	HighCPUPercent float64 `json:"high_cpu_percent"`
	// cloudscope: hourly average CPU above this for SustainedShare of the
	// hours with data is sustained load (Compute Optimizer's "under-provisioned" idea).
	SustainedCPUPercent float64 `json:"sustained_cpu_percent"`
	SustainedShare      float64 `json:"sustained_share"`
	// Seed design: average CPU below 10% over the window is underutilised.
	UnderutilisedCPUPercent float64 `json:"underutilised_cpu_percent"`
	// Trusted Advisor Qch7DwouX1: daily average CPU <= 10% and network I/O
	// <= 5 MB on at least 4 of the last 14 days.
	LowUseCPUPercent float64 `json:"low_use_cpu_percent"`
	LowUseNetworkMB  float64 `json:"low_use_network_mb"`
	LowUseDays       int     `json:"low_use_days"`
	// AWS: a burstable instance at or below this many credits runs at its baseline.
	CPUCreditsMin float64 `json:"cpu_credits_min"`
	// cloudscope: a stopped instance's EBS volumes still bill; flag after this many days.
	StoppedDays int `json:"stopped_days"`
	// Trusted Advisor Ti39halfu8: no connection in the last 7 days is an idle database.
	IdleDBDays int `json:"idle_db_days"`
	// cloudscope: hourly average database CPU above this is high.
	DBHighCPUPercent float64 `json:"db_high_cpu_percent"`
	// cloudscope: free storage under this share of the allocated storage is low.
	DBFreeStoragePercent float64 `json:"db_free_storage_percent"`
	// Powerpipe aws_thrifty: an error rate above 10% on any of the last 7 days.
	LambdaErrorRatePercent float64 `json:"lambda_error_rate_percent"`
	LambdaErrorDays        int     `json:"lambda_error_days"`
	// cloudscope: p99 duration at or above this share of the timeout is near timing out.
	LambdaTimeoutShare float64 `json:"lambda_timeout_share"`
	// Compute Optimizer: at least 30 hours of data before judging utilisation.
	MinDataHours int `json:"min_data_hours"`

	// Trusted Advisor DAvU99Dc4C: a volume with under 1 IOPS a day for 7 days is underused.
	VolumeIdleIOPS float64 `json:"volume_idle_iops"`
	VolumeIdleDays int     `json:"volume_idle_days"`
	// Powerpipe aws_thrifty: a snapshot older than 90 days.
	SnapshotAgeDays int `json:"snapshot_age_days"`
	// Trusted Advisor: a NAT gateway with no bytes processed in 30 days.
	// The scan reads this many days of NAT metrics (a per-rule window).
	NATIdleDays int `json:"nat_idle_days"`
	// Trusted Advisor hjLMh88uM8: under 100 requests a day for 7 days.
	LBIdleRequests float64 `json:"lb_idle_requests"`
	LBIdleDays     int     `json:"lb_idle_days"`
	// CloudQuery policies: an instance stopped more than 30 days ago.
	StoppedBilledDays int `json:"stopped_billed_days"`
	// Compute Optimizer: a rightsizing target's projected CPU (and
	// measured memory) must stay under this; its default aims under 80%.
	RightsizeHeadroomPercent float64 `json:"rightsize_headroom_percent"`
}

// Defaults are the thresholds with their sources, as documented above.
var Defaults = Thresholds{
	HighCPUPercent:           80,
	SustainedCPUPercent:      80,
	SustainedShare:           0.5,
	UnderutilisedCPUPercent:  10,
	LowUseCPUPercent:         10,
	LowUseNetworkMB:          5,
	LowUseDays:               4,
	CPUCreditsMin:            1,
	StoppedDays:              7,
	IdleDBDays:               7,
	DBHighCPUPercent:         80,
	DBFreeStoragePercent:     10,
	LambdaErrorRatePercent:   10,
	LambdaErrorDays:          7,
	LambdaTimeoutShare:       0.8,
	MinDataHours:             30,
	VolumeIdleIOPS:           1,
	VolumeIdleDays:           7,
	SnapshotAgeDays:          90,
	NATIdleDays:              30,
	LBIdleRequests:           100,
	LBIdleDays:               7,
	StoppedBilledDays:        30,
	RightsizeHeadroomPercent: 80,
}

// MaxNATIdleDays bounds nat_idle_days: CloudWatch keeps hourly points for
// 455 days, but a NAT gateway's idle month is the question asked.
const MaxNATIdleDays = 90

// ParseThresholds reads a JSON document over the defaults: only the fields
// it names change. Unknown fields and values out of range are errors.
func ParseThresholds(doc string) (Thresholds, error) {
	t := Defaults
	if strings.TrimSpace(doc) == "" {
		return t, nil
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("thresholds: %w", err)
	}
	return t, t.Validate()
}

// Validate checks every threshold's range.
func (t Thresholds) Validate() error {
	pct := map[string]float64{
		"high_cpu_percent": t.HighCPUPercent, "sustained_cpu_percent": t.SustainedCPUPercent,
		"underutilised_cpu_percent": t.UnderutilisedCPUPercent, "low_use_cpu_percent": t.LowUseCPUPercent,
		"db_high_cpu_percent": t.DBHighCPUPercent, "db_free_storage_percent": t.DBFreeStoragePercent,
		"lambda_error_rate_percent": t.LambdaErrorRatePercent, "rightsize_headroom_percent": t.RightsizeHeadroomPercent,
	}
	for name, v := range pct {
		if v <= 0 || v > 100 {
			return fmt.Errorf("thresholds: %s is %v; want more than 0 and at most 100", name, v)
		}
	}
	for name, v := range map[string]float64{"sustained_share": t.SustainedShare, "lambda_timeout_share": t.LambdaTimeoutShare} {
		if v <= 0 || v > 1 {
			return fmt.Errorf("thresholds: %s is %v; want a share more than 0 and at most 1", name, v)
		}
	}
	for name, v := range map[string]int{"low_use_days": t.LowUseDays, "stopped_days": t.StoppedDays, "idle_db_days": t.IdleDBDays,
		"lambda_error_days": t.LambdaErrorDays, "volume_idle_days": t.VolumeIdleDays, "lb_idle_days": t.LBIdleDays} {
		if v < 1 || v > 14 {
			return fmt.Errorf("thresholds: %s is %d; want 1 to 14 (the scan reads 14 days)", name, v)
		}
	}
	if t.MinDataHours < 1 || t.MinDataHours > 14*24 {
		return fmt.Errorf("thresholds: min_data_hours is %d; want 1 to 336", t.MinDataHours)
	}
	if t.NATIdleDays < 1 || t.NATIdleDays > MaxNATIdleDays {
		return fmt.Errorf("thresholds: nat_idle_days is %d; want 1 to %d (the scan reads that many days of NAT gateway metrics)", t.NATIdleDays, MaxNATIdleDays)
	}
	if t.SnapshotAgeDays < 1 || t.StoppedBilledDays < 1 {
		return fmt.Errorf("thresholds: snapshot_age_days and stopped_billed_days must be at least 1")
	}
	if t.VolumeIdleIOPS <= 0 || t.LBIdleRequests <= 0 {
		return fmt.Errorf("thresholds: volume_idle_iops and lb_idle_requests must be more than 0")
	}
	if t.LowUseNetworkMB < 0 || t.CPUCreditsMin < 0 {
		return fmt.Errorf("thresholds: low_use_network_mb and cpu_credits_min cannot be negative")
	}
	return nil
}
