package kv_test

import (
	"testing"

	"github.com/cloudscope/cloudscope/shared/kv"
	"github.com/cloudscope/cloudscope/shared/testkit/kvtest"
)

func TestMemoryKeepsTheContract(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, clock *kvtest.Clock) kv.Store { return kv.NewMemory(clock.Now) })
}
