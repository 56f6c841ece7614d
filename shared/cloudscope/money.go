package cloudscope

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Amount is an exact decimal amount of money. Cost Explorer gives amounts as
// decimal strings with up to ten places ("0.0000001234"); adding them as
// floats drifts, so they are kept as exact rationals. The zero value is 0.
// JSON shows an Amount as a decimal string, to keep every digit.
type Amount struct{ r *big.Rat }

// ParseAmount reads a decimal string such as "15.43" or "-0.0000001234".
func ParseAmount(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Amount{}, fmt.Errorf("empty amount")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Amount{}, fmt.Errorf("amount %q is not a decimal number", s)
	}
	return Amount{r}, nil
}

func (a Amount) rat() *big.Rat {
	if a.r == nil {
		return new(big.Rat)
	}
	return a.r
}

// Add returns a + b.
func (a Amount) Add(b Amount) Amount { return Amount{new(big.Rat).Add(a.rat(), b.rat())} }

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount { return Amount{new(big.Rat).Sub(a.rat(), b.rat())} }

// Mul returns a x b.
func (a Amount) Mul(b Amount) Amount { return Amount{new(big.Rat).Mul(a.rat(), b.rat())} }

// Div returns a / b; b must not be 0.
func (a Amount) Div(b Amount) Amount { return Amount{new(big.Rat).Quo(a.rat(), b.rat())} }

// AmountOf is the whole amount n.
func AmountOf(n int64) Amount { return Amount{new(big.Rat).SetInt64(n)} }

// Cmp compares a and b: -1, 0 or +1.
func (a Amount) Cmp(b Amount) int { return a.rat().Cmp(b.rat()) }

// IsZero reports whether a is 0.
func (a Amount) IsZero() bool { return a.rat().Sign() == 0 }

// Float64 is a as the nearest float, for statistics over amounts (the
// anomalies' baselines); money itself stays exact.
func (a Amount) Float64() float64 {
	f, _ := a.rat().Float64()
	return f
}

// Ratio returns a / b as a float, for shares; 0 when b is 0.
func (a Amount) Ratio(b Amount) float64 {
	if b.IsZero() {
		return 0
	}
	f, _ := new(big.Rat).Quo(a.rat(), b.rat()).Float64()
	return f
}

// String is the exact amount with as many places as it needs (at least
// two, at most ten: Cost Explorer's precision; beyond that it is rounded).
func (a Amount) String() string {
	s := a.rat().FloatString(10)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return s
}

// Cents is the amount rounded to the cent (half away from zero).
func (a Amount) Cents() string { return a.rat().FloatString(2) }

// MarshalJSON writes the exact amount as a string.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads an amount from a decimal string.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}
