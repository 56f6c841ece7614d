package scan

import (
	"os"
	"testing"

	"github.com/cloudscope/cloudscope/shared/testkit/mototest"
)

// moto is the emulator every moto-backed test of the package uses, the
// engine's own and the external ones' (through Moto).
var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, &moto)) }

// Moto is the package's emulator, for its external tests.
func Moto() *mototest.Server { return moto }
