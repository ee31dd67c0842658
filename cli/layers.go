package cli

import (
	"encoding/json"
	"fmt"
)

func init() {
	register(command{
		name:  "layers",
		usage: "layers [-model M.onnx] [-json]",
		help:  "list the layers a map can be computed at, grouped by block: tensor name, operator, shape",
		run:   layers,
	})
}

type layerJSON struct {
	Name    string `json:"name"`
	Op      string `json:"op"`
	Node    string `json:"node"`
	Shape   []int  `json:"shape"`
	Block   string `json:"block,omitempty"`
	Default bool   `json:"default,omitempty"`
}

func layers(e *env, args []string) error {
	fs := newFlags("layers")
	var mf modelFlags
	mf.add(fs)
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	info := m.Net.Info()
	var out []layerJSON
	for _, l := range info.Layers {
		out = append(out, layerJSON{Name: l.Name, Op: l.Op, Node: l.Node, Shape: l.Shape, Block: l.Block, Default: l.Name == m.Layer})
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{
			"model": m.Name, "input": info.InputName, "input_shape": info.InputShape,
			"output": info.OutputName, "classes": info.NumClasses, "opset": info.Opset, "layers": out,
		})
	}
	fmt.Fprintf(e.stdout, "%s: input %s %v, output %s (%d classes), opset %d\n", m.Name, info.InputName, info.InputShape, info.OutputName, info.NumClasses, info.Opset)
	block := ""
	for _, l := range out {
		if l.Block != block {
			block = l.Block
			fmt.Fprintf(e.stdout, "%s\n", block)
		}
		mark := " "
		if l.Default {
			mark = "*"
		}
		fmt.Fprintf(e.stdout, "%s %-45s %-18s %v\n", mark, l.Name, l.Op, l.Shape)
	}
	return nil
}
