// Package awsstub answers AWS SDK calls in-process, for unit tests and
// benchmarks: a middleware installed through aws.Config.APIOptions hands each
// call's typed input to a Go function and returns its typed output or error,
// whatever the service's wire protocol. Calls never reach the network.
package awsstub

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
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
				c := Call{
					Service:   awsmiddleware.GetServiceID(ctx),
					Operation: awsmiddleware.GetOperationName(ctx),
					Region:    awsmiddleware.GetRegion(ctx),
					Input:     in.Parameters,
				}
				out, err := h(ctx, c)
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

// Wrap returns h counting every call it answers.
func (c *Counter) Wrap(h Handler) Handler {
	return func(ctx context.Context, call Call) (any, error) {
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		c.counts[call.Service+"."+call.Operation]++
		c.mu.Unlock()
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
