package cli

import (
	"encoding/json"
	"fmt"

	"camviz/cam"
)

func init() {
	register(command{
		name:  "methods",
		usage: "methods [-model M.onnx] [-json]",
		help:  "list the CAM methods and whether each applies to the model",
		run:   methods,
	})
}

type methodJSON struct {
	Name        string       `json:"name"`
	Display     string       `json:"display"`
	Description string       `json:"description"`
	Applies     bool         `json:"applies"`
	Reason      string       `json:"reason,omitempty"`
	Slow        bool         `json:"slow,omitempty"`
	Options     []cam.Option `json:"options,omitempty"`
}

func methods(e *env, args []string) error {
	fs := newFlags("methods")
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
	var out []methodJSON
	for _, x := range m.Methods() {
		out = append(out, methodJSON{x.Name, x.Display, x.Description, x.Applies, x.Reason, x.Slow, x.Options})
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(out)
	}
	for _, x := range out {
		state := "yes"
		if !x.Applies {
			state = "no: " + x.Reason
		}
		fmt.Fprintf(e.stdout, "%-20s %-24s %s\n", x.Name, x.Display, state)
	}
	return nil
}
