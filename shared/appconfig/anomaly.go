package appconfig

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cloudscope/cloudscope/shared/anomaly"
)

// The floors a spend anomaly must pass, so that small services page no one.
const (
	EnvAnomalyMinUSD     = "CLOUDSCOPE_ANOMALY_MIN_USD"     // least rise over the baseline, in the bill's currency a day (default 10)
	EnvAnomalyMinPercent = "CLOUDSCOPE_ANOMALY_MIN_PERCENT" // least rise as a percentage of the baseline (default 20)
)

// anomalyFloors reads the anomalies' floors.
func anomalyFloors(c *Config, getenv func(string) string) error {
	c.Anomaly = anomaly.DefaultFloors
	if v := strings.TrimSpace(getenv(EnvAnomalyMinUSD)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1e6 {
			return fmt.Errorf("%s=%q: want an amount from 0 to 1000000 a day, such as 10", EnvAnomalyMinUSD, v)
		}
		c.Anomaly.MinExcess = f
	}
	if v := strings.TrimSpace(getenv(EnvAnomalyMinPercent)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 10000 {
			return fmt.Errorf("%s=%q: want a percentage from 0 to 10000, such as 20", EnvAnomalyMinPercent, v)
		}
		c.Anomaly.MinRatio = f / 100
	}
	return nil
}
