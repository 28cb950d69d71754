package faultkit

import (
	"math/rand/v2"
	"testing"
)

func TestFlakyNeverFailsTheSameRequestTwiceInARow(t *testing.T) {
	f := NewFlaky(1, rand.New(rand.NewPCG(1, 2)))
	for i := 0; i < 100; i++ {
		if f.Draw("GET /a") == None {
			t.Fatal("rate 1 served a fresh attempt")
		}
		if f.Draw("GET /a") != None {
			t.Fatal("the retry of a faulted request was faulted again")
		}
	}
	if f.Count() != 100 {
		t.Fatalf("count %d", f.Count())
	}
	var zero *Flaky
	if zero.Draw("x") != None || NewFlaky(0, nil).Draw("x") != None {
		t.Fatal("a disabled Flaky faulted")
	}
}

func TestFlakyRateAndKinds(t *testing.T) {
	f := NewFlaky(0.1, rand.New(rand.NewPCG(7, 9)))
	kinds := map[Kind]int{}
	for i := 0; i < 20000; i++ {
		kinds[f.Draw(string(rune('a'+i%26))+string(rune(i)))]++
	}
	faults := 20000 - kinds[None]
	if faults < 1700 || faults > 2300 {
		t.Fatalf("%d faults for a 10 %% rate over 20,000 requests", faults)
	}
	for _, k := range []Kind{Status500, Status503, Status429, Reset} {
		if kinds[k] == 0 {
			t.Errorf("kind %d never drawn", k)
		}
	}
}
