package appconfig

import "slices"

// Manifest is one deployed Lambda function, in one place: the folder of
// functions/ it is built from, the API routes it serves, the settings it
// reads (Required and Optional, see Function), what its role may do, and its
// memory, timeout and reserved concurrency. Each is declared beside its
// function's builder (shared/services/<name>api or <name>state, ...), whose
// package links exactly what the function calls; the function's main.go is
// one call to shared/lambdaapp with the two, which checks the settings here.
// The CDK stack ranges over shared/services/deployed's list of them.
type Manifest struct {
	Name string
	// Routes are the HTTP API routes behind the function; none for the
	// digest and the scan's states, which events invoke.
	Routes []Route
	Function
	Grants Grants
	// MemoryMB and TimeoutSeconds size the function; Concurrency is its
	// reserved concurrency (the shard function's is the map's
	// MaxConcurrency, a deployment setting).
	MemoryMB, TimeoutSeconds, Concurrency int
}

// Route is one API route: a method and a path in the OpenAPI document's
// form (/snapshots/{id}).
type Route struct{ Method, Path string }

// Grants are what one function's role may do: read-only account actions
// (which take no resource), actions on the table, on the topic and its key,
// on the plan bucket, the state machine it starts and the shard function
// it invokes.
// Every list comes from the package whose code makes the calls.
type Grants struct {
	Account  []string
	Table    []string
	Topic    []string
	TopicKey []string
	// AssumesMemberRole: the function reads member accounts through the
	// member role (sts:AssumeRole on that role's name in any account).
	AssumesMemberRole bool
	// PlanBucket are the actions on the plan bucket's objects.
	PlanBucket []string
	// StartsScanMachine: POST /scans starts the scan's state machine
	// (sfnstart.IAMActions on it).
	StartsScanMachine bool
	// InvokesShards: the live view runs its shards on the shard function
	// (shardinvoke.IAMActions on it; its name in EnvShardFunction).
	InvokesShards bool
}

// Union is the sorted union of action lists.
func Union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, a := range l {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Get and Post are the routes of those methods on path.
func Get(path string) Route  { return Route{"GET", path} }
func Post(path string) Route { return Route{"POST", path} }

// Meaning is what required setting k is, for the message that it is
// missing ("" for a setting no function requires).
func Meaning(k string) string { return what[k] }
