// Package awsstub answers AWS SDK calls in-process, for unit tests and
// benchmarks: a middleware installed through aws.Config.APIOptions hands each
// call's typed input to a Go function and returns its typed output or error,
// whatever the service's wire protocol. Calls never reach the network.
package awsstub

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudscope/cloudscope/shared/awsconf"
	"github.com/cloudscope/cloudscope/shared/awsconf/sdkconfig"
)

// Call is one intercepted SDK call.
type Call struct {
	Service   string // the SDK service id: "EC2", "RDS", "Lambda", "S3", "CloudWatch"
	Operation string // "DescribeInstances"
	Region    string
	Input     any // the typed input, such as *ec2.DescribeInstancesInput
}

// Handler answers a call with a typed output (such as *ec2.DescribeInstancesOutput) or an error.
type Handler func(ctx context.Context, c Call) (any, error)

// APIOption returns the stack option that routes every call to h.
// Input validation still runs first, so invalid inputs fail as they would on AWS.
func APIOption(h Handler) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("awsstub",
			func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, err := h(ctx, callOf(ctx, in))
				return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, err
			}), middleware.After)
	}
}

// APIError returns an error as an AWS service would send it.
func APIError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}
}

// Delay wraps h so that every call takes at least d, as a round trip to AWS
// would, and gives up when the context ends.
func Delay(d time.Duration, h Handler) Handler {
	return func(ctx context.Context, c Call) (any, error) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return h(ctx, c)
	}
}

// Counter counts calls per "Service.Operation". It is safe for concurrent use.
type Counter struct {
	mu     sync.Mutex
	counts map[string]int
}

// Add counts one call.
func (c *Counter) Add(call Call) {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[call.Service+"."+call.Operation]++
	c.mu.Unlock()
}

// Wrap returns h counting every call it answers.
func (c *Counter) Wrap(h Handler) Handler {
	return func(ctx context.Context, call Call) (any, error) {
		c.Add(call)
		return h(ctx, call)
	}
}

// Total is the number of calls counted.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Count is the number of calls of one "Service.Operation".
func (c *Counter) Count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[op]
}

// String lists the counts, sorted by operation.
func (c *Counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf("%s=%d ", k, c.counts[k])
	}
	return s
}

// Fail returns a stack option that fails the calls match selects with err and
// lets every other call through to the real endpoint: a way to make one
// region or service fail against an emulator.
func Fail(match func(Call) bool, err error) func(*middleware.Stack) error {
	return passThrough("awsstub.Fail", func(c Call) error {
		if match(c) {
			return err
		}
		return nil
	})
}

// Observe returns a stack option that shows every call to see before it goes
// through to the real endpoint: a way to count calls against an emulator.
func Observe(see func(Call)) func(*middleware.Stack) error {
	return passThrough("awsstub.Observe", func(c Call) error { see(c); return nil })
}

func passThrough(id string, check func(Call) error) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc(id,
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if err := check(callOf(ctx, in)); err != nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}

func callOf(ctx context.Context, in middleware.InitializeInput) Call {
	return Call{
		Service:   awsmiddleware.GetServiceID(ctx),
		Operation: awsmiddleware.GetOperationName(ctx),
		Region:    awsmiddleware.GetRegion(ctx),
		Input:     in.Parameters,
	}
}

// FailEveryAttempt returns a stack option that fails each attempt of the
// calls match selects with err, after the retry middleware: the SDK retries
// them as it would on AWS, so a test sees "throttled past retries". Input is
// not set on the Call it matches.
func FailEveryAttempt(match func(Call) bool, err error, attempts *atomic.Int32) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("awsstub.FailEveryAttempt",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				c := Call{Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx), Region: awsmiddleware.GetRegion(ctx)}
				if match(c) {
					if attempts != nil {
						attempts.Add(1)
					}
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// EmptyOutput is the zero output of c's operation (such as an empty
// *dynamodb.ListTablesOutput: a page with nothing on it). clients are
// typed clients, nil will do (such as (*dynamodb.Client)(nil)), whose
// methods are the operations; ok is false when none has a method named
// c.Operation that takes c's input.
func EmptyOutput(c Call, clients ...any) (any, bool) {
	for _, cl := range clients {
		m, ok := reflect.TypeOf(cl).MethodByName(c.Operation)
		if !ok || m.Type.NumIn() < 3 || m.Type.In(2) != reflect.TypeOf(c.Input) || m.Type.NumOut() != 2 || m.Type.Out(0).Kind() != reflect.Pointer {
			continue
		}
		return reflect.New(m.Type.Out(0).Elem()).Interface(), true
	}
	return nil, false
}

// Clients returns an AWS client set whose every call goes to h.
func Clients(h Handler) *awsconf.Clients {
	cfg, err := sdkconfig.Load(context.Background(), awsconf.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("stub", "stub", ""),
		APIOptions:  []func(*middleware.Stack) error{APIOption(h)},
	})
	if err != nil {
		panic(err) // only a bad static configuration gets here
	}
	return awsconf.NewClients(cfg)
}
