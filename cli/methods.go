package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"camviz/cam"
)

func init() {
	register(command{
		name:  "methods",
		usage: "methods [-model M.onnx] [-json]",
		help:  "list the CAM methods, whether each applies to the model, and the options each takes",
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
	Reference   string       `json:"reference,omitempty"`
	Options     []cam.Option `json:"options"`
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
		out = append(out, methodJSON{x.Name, x.Display, x.Description, x.Applies, x.Reason, x.Slow, x.Reference, x.AllOptions()})
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
		if opts := optionLine(x.Options); opts != "" {
			fmt.Fprintf(e.stdout, "%-20s options: %s\n", "", opts)
		}
	}
	return nil
}

// optionLine is a method's options as flags with their defaults
// ("-samples 35 -sigma 2 -layer A[,B…] -aug-smooth=false").
func optionLine(opts []cam.Option) string {
	var parts []string
	for _, o := range opts {
		switch d := o.DefaultText(); {
		case o.Kind == cam.KindBool:
			parts = append(parts, "-"+o.Name+"="+d)
		case o.Kind == cam.KindLayers:
			parts = append(parts, "-"+o.Name+" A[,B…]")
		default:
			parts = append(parts, "-"+o.Name+" "+d)
		}
	}
	return strings.Join(parts, " ")
}
