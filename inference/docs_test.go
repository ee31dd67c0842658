package inference

import (
	"os"
	"strings"
	"testing"
)

// TestEngineDocListsEveryOperator: the error for an unsupported operator
// points to docs/engine.md for the whole list, so it must be complete.
func TestEngineDocListsEveryOperator(t *testing.T) {
	b, err := os.ReadFile("../docs/engine.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "## Operators")
	j := strings.Index(string(b), "## Second-order")
	if i < 0 || j < i {
		t.Fatal("docs/engine.md has no operator table")
	}
	table := string(b[i:j])
	for _, op := range Supported() {
		if !strings.Contains(table, " "+op+" ") && !strings.Contains(table, " "+op+",") && !strings.Contains(table, " "+op+"\n") && !strings.Contains(table, " "+op+" (") {
			t.Errorf("docs/engine.md does not list %s", op)
		}
	}
}
