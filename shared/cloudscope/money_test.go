package cloudscope

import (
	"encoding/json"
	"testing"
)

func TestAmountsAddExactly(t *testing.T) {
	small, _ := ParseAmount("0.0000001234")
	mid, _ := ParseAmount("15.43")
	var total Amount
	for i := range 10000 {
		a := small
		if i%2 == 1 {
			a = mid
		}
		total = total.Add(a)
	}
	// 5,000 x 15.43 + 5,000 x 0.0000001234
	if got := total.String(); got != "77150.000617" {
		t.Errorf("sum %s, want 77150.000617", got)
	}
	if total.Cents() != "77150.00" {
		t.Errorf("cents %s", total.Cents())
	}
}

func TestAmountParsingAndFormat(t *testing.T) {
	for in, want := range map[string]string{
		"15.43": "15.43", "15.4": "15.40", "7": "7.00", "-0.0000001234": "-0.0000001234", "0": "0.00",
		"1.23456789012": "1.2345678901", "1e-7": "0.0000001", " 2.50 ": "2.50",
	} {
		a, err := ParseAmount(in)
		if err != nil || a.String() != want {
			t.Errorf("%q: got %s, %v; want %s", in, a, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "$5"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	var zero Amount
	if zero.String() != "0.00" || !zero.IsZero() || zero.Add(zero).Cmp(zero) != 0 {
		t.Error("zero value")
	}
	a, _ := ParseAmount("25")
	b, _ := ParseAmount("100")
	if a.Ratio(b) != 0.25 || a.Ratio(zero) != 0 {
		t.Error("ratio")
	}
	j, _ := json.Marshal(map[string]Amount{"x": a})
	if string(j) != `{"x":"25.00"}` {
		t.Errorf("json %s", j)
	}
	var back map[string]Amount
	if err := json.Unmarshal(j, &back); err != nil || back["x"].Cmp(a) != 0 {
		t.Errorf("round trip %v %v", back, err)
	}
}
