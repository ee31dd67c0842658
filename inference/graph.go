package inference

import (
	"fmt"
	"strings"
)

// order checks the graph's structure and returns its nodes in an order
// where every node comes after the producers of its inputs: the file's
// own order when it is already topological (as ONNX requires), otherwise
// a topological sort that keeps the file order wherever it can. Two nodes
// writing one tensor, or a cycle, are refused.
func (m *meta) order() ([]int, error) {
	producer := map[string]int{}
	for i, nd := range m.nodes {
		for _, o := range nd.outputs {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return nil, fmt.Errorf("tensor %q is the output of two nodes, %s and %s; a map on it would mix two layers", o, m.nodeName(j), m.nodeName(i))
			}
			producer[o] = i
		}
	}
	deps := make([][]int, len(m.nodes)) // producers each node waits for
	sorted := true
	for i, nd := range m.nodes {
		for _, in := range nd.inputs {
			if j, ok := producer[in]; ok {
				deps[i] = append(deps[i], j)
				sorted = sorted && j < i
			}
		}
	}
	order := make([]int, 0, len(m.nodes))
	if sorted {
		for i := range m.nodes {
			order = append(order, i)
		}
		return order, nil
	}
	return kahn(deps, func(left []int) error {
		cyc := findCycle(deps, left)
		names := make([]string, 0, 4)
		for _, i := range cyc[:min(4, len(cyc))] {
			names = append(names, m.nodeName(i))
		}
		more := ""
		if len(cyc) > 4 {
			more = ", …"
		}
		return fmt.Errorf("the graph has a cycle through %d nodes (%s%s); a model must be a DAG", len(cyc), strings.Join(names, " → "), more)
	})
}

// findCycle follows unmet dependencies from the first node left until one
// repeats: every node left waits on another left, so this ends on a cycle.
func findCycle(deps [][]int, left []int) []int {
	isLeft := map[int]bool{}
	for _, i := range left {
		isLeft[i] = true
	}
	at := map[int]int{}
	var path []int
	cur := left[0]
	for {
		if k, seen := at[cur]; seen {
			return path[k:]
		}
		at[cur] = len(path)
		path = append(path, cur)
		for _, j := range deps[cur] {
			if isLeft[j] {
				cur = j
				break
			}
		}
	}
}

// kahn sorts nodes by their dependencies, always taking the lowest-numbered
// ready node; cycle reports the nodes left when none is ready.
func kahn(deps [][]int, cycle func(left []int) error) ([]int, error) {
	waiting := make([]int, len(deps))
	users := make([][]int, len(deps))
	for i, d := range deps {
		waiting[i] = len(d)
		for _, j := range d {
			users[j] = append(users[j], i)
		}
	}
	done := make([]bool, len(deps))
	order := make([]int, 0, len(deps))
	for len(order) < len(deps) {
		next := -1
		for i, w := range waiting {
			if !done[i] && w == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			var left []int
			for i := range deps {
				if !done[i] {
					left = append(left, i)
				}
			}
			return nil, cycle(left)
		}
		done[next] = true
		order = append(order, next)
		for _, u := range users[next] {
			waiting[u]--
		}
	}
	return order, nil
}

func (m *meta) nodeName(i int) string {
	nd := m.nodes[i]
	if nd.name != "" {
		return fmt.Sprintf("%q (%s)", nd.name, nd.opType)
	}
	return fmt.Sprintf("#%d (%s)", i, nd.opType)
}
