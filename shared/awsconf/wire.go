package awsconf

import (
	"fmt"
	"os"
	"strings"
)

// The wire settings: how the clients speak where an emulator needs other
// than AWS's own. Each is a setting whose default is what AWS serves; no
// endpoint switches one on by itself. The tests against moto and
// `cloudscope demo` set both (moto.Env, mototest.Main).
const (
	// EnvS3PathStyle is "on" to address S3 buckets in the path
	// (http://host/bucket) rather than as a subdomain, which an emulator on
	// a loopback address needs (bucket subdomains of 127.0.0.1 do not
	// resolve). Default "off", as AWS serves buckets.
	EnvS3PathStyle = "CLOUDSCOPE_S3_PATH_STYLE"
	// EnvCloudWatchProtocol is "json" to speak CloudWatch's JSON 1.0
	// protocol with uncompressed bodies, for an emulator that knows only
	// that one. Default "cbor": the SDK's own (Smithy RPC v2 CBOR, large
	// PutMetricData bodies gzipped), as AWS serves it.
	EnvCloudWatchProtocol = "CLOUDSCOPE_CLOUDWATCH_PROTOCOL"
)

// Wire are the wire settings of a client set. The zero value is AWS's own.
type Wire struct {
	S3PathStyle    bool
	CloudWatchJSON bool
}

// EmulatorWire is what the emulator the tests and the demo run (moto)
// needs: S3 buckets in the path, CloudWatch in JSON.
var EmulatorWire = Wire{S3PathStyle: true, CloudWatchJSON: true}

// Env is w as the settings' environment entries.
func (w Wire) Env() []string {
	style, protocol := "off", "cbor"
	if w.S3PathStyle {
		style = "on"
	}
	if w.CloudWatchJSON {
		protocol = "json"
	}
	return []string{EnvS3PathStyle + "=" + style, EnvCloudWatchProtocol + "=" + protocol}
}

// WireFrom reads the wire settings through getenv, refusing a value it
// does not know.
func WireFrom(getenv func(string) string) (Wire, error) {
	var w Wire
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvS3PathStyle))); v {
	case "", "off":
	case "on":
		w.S3PathStyle = true
	default:
		return w, fmt.Errorf("%s=%q: want on or off", EnvS3PathStyle, v)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvCloudWatchProtocol))); v {
	case "", "cbor":
	case "json":
		w.CloudWatchJSON = true
	default:
		return w, fmt.Errorf("%s=%q: want cbor or json", EnvCloudWatchProtocol, v)
	}
	return w, nil
}

// wireOfEnvironment is the process's wire settings. A value WireFrom
// refuses counts as unset here: the functions and the CLI check the
// settings at start (appconfig.Load) and refuse to start on it.
func wireOfEnvironment() Wire {
	w, _ := WireFrom(os.Getenv)
	return w
}
