package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
	"camviz/imgio"
)

// TestCamOptionsGolden: the method table's options reach the map through
// the generated flags: -eigen-smooth, several layers, RefineCAM, each
// .npy within 1e-4 of pytorch-grad-cam's. (For class 7 camviz's sign
// convention of the principal component gives the reference's sign, so
// the plain golden files apply; cam's TestGoldenEigenSmooth takes either
// sign on all cases.)
func TestCamOptionsGolden(t *testing.T) {
	dir := t.TempDir()
	l22, l29 := "/features/features.22/Relu_output_0", "/features/features.29/Relu_output_0"
	for _, c := range []struct {
		args   []string
		golden string
	}{
		{[]string{"-method", "gradcam", "-eigen-smooth"}, "cam_GradCAM-eigensmooth_f29_c7.npy"},
		{[]string{"-method", "gradcam++", "-eigen-smooth", "-layer", l22}, "cam_GradCAMPlusPlus-eigensmooth_f22_c7.npy"},
		{[]string{"-method", "gradcam", "-layer", l22 + "," + l29}, "cam_GradCAM-layers22+29_c7.npy"},
		{[]string{"-method", "refinecam", "-layer", l22 + "," + l29}, "cam_RefineCAM-layers22+29_c7.npy"},
		{[]string{"-method", "segeigencam", "-layer", l22}, "cam_SegEigenCAM_f22_c7.npy"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			npy := filepath.Join(dir, "m.npy")
			args := append(append([]string{"cam", "-model", tinyModel, "-class", "7", "-out", npy}, c.args...), tinyInput)
			if _, errOut, st := run(args...); st != 0 {
				t.Fatal(errOut)
			}
			got, _, err := imgio.ReadNPYFile(npy)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := imgio.ReadNPYFile("../testdata/golden/tinyvgg16-v2/" + c.golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := camtest.MaxAbsDiff(got, want); !(d <= 1e-4) {
				t.Errorf("max abs diff %.3g", d)
			}
		})
	}
}

// TestMethodsJSONOptions: `methods -json` lists every method of the
// table with all its options, their kinds, defaults and choices.
func TestMethodsJSONOptions(t *testing.T) {
	out, errOut, st := run("methods", "-model", tinyModel, "-json")
	if st != 0 {
		t.Fatal(errOut)
	}
	var got []struct {
		Name    string `json:"name"`
		Options []struct {
			Name    string   `json:"name"`
			Kind    string   `json:"kind"`
			Default any      `json:"default"`
			Choices []string `json:"choices"`
		} `json:"options"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cam.All()) {
		t.Fatalf("%d methods listed, the table has %d", len(got), len(cam.All()))
	}
	byName := map[string]string{}
	for _, m := range got {
		var parts []string
		for _, o := range m.Options {
			parts = append(parts, fmt.Sprintf("%s:%s:%v:%d", o.Name, o.Kind, o.Default, len(o.Choices)))
		}
		byName[m.Name] = strings.Join(parts, " ")
	}
	for name, want := range map[string]string{
		"sscam":     "samples:int:35:0 sigma:float:2:0 seed:int:0:0 batch:int:4:0 layer:layers::0 aug-smooth:bool:false:0",
		"gradcam":   "layer:layers::0 target:choice:logit:4 eigen-smooth:bool:false:0 aug-smooth:bool:false:0 inplace-relu:bool:false:0",
		"refinecam": "refine-base:choice:gradcam++:12 layer:layers::0 target:choice:logit:4 aug-smooth:bool:false:0",
		"fcconv":    "fcscale:float:2:0",
		"sobelcam":  "",
	} {
		if byName[name] != want {
			t.Errorf("%s: options %q, want %q", name, byName[name], want)
		}
	}
}

// TestReportOptions: report takes the same option flags: one that none
// of the methods takes is refused before any image is read; one that
// they take changes their maps (and so their rows).
func TestReportOptions(t *testing.T) {
	dir := t.TempDir()
	_, errOut, st := run("report", "-model", tinyModel, "-methods", "gradcam,hirescam", "-samples", "3", "-out", dir, photo)
	if st != 1 || errOut != "camviz report: -samples does not apply to gradcam, hirescam (it is for sscam, iscam, smoothgradcam++)\n" {
		t.Errorf("status %d, %q", st, errOut)
	}
	rows := func(args ...string) string {
		t.Helper()
		out := filepath.Join(dir, fmt.Sprint(len(args)))
		args = append([]string{"report", "-model", tinyModel, "-classes", "7", "-steps", "2", "-out", out}, args...)
		if _, errOut, st := run(append(args, tinyInput)...); st != 0 {
			t.Fatal(errOut)
		}
		rep := readReportJSON(t, out)
		var parts []string
		for _, r := range rep.Rows {
			if r.Method == "randomcam" {
				parts = append(parts, fmt.Sprint(r.Deletion))
			}
		}
		return strings.Join(parts, ",")
	}
	plain := rows("-methods", "randomcam")
	smooth := rows("-methods", "randomcam", "-eigen-smooth")
	if plain == "" || plain == smooth {
		t.Errorf("randomcam's deletion curve %s, with -eigen-smooth %s", plain, smooth)
	}
}

// TestBenchOptions: bench times the methods with the options given, and
// refuses one that none of them takes.
func TestBenchOptions(t *testing.T) {
	_, errOut, st := run("bench", "-model", tinyModel, "-input", tinyInput, "-runs", "1", "-methods", "gradcam", "-seed", "2")
	if st != 1 || errOut != "camviz bench: -seed does not apply to gradcam (it is for randomcam, sscam, smoothgradcam++)\n" {
		t.Errorf("status %d, %q", st, errOut)
	}
	out, errOut, st := run("bench", "-model", tinyModel, "-input", tinyInput, "-runs", "1", "-methods", "iscam", "-samples", "1", "-json")
	if st != 0 {
		t.Fatal(errOut)
	}
	var r struct {
		MethodS map[string]float64 `json:"method_s"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || !(r.MethodS["iscam"] > 0) {
		t.Errorf("method times %v (%v)", r.MethodS, err)
	}
}
