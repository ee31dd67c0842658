package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	vocDir    = "../testdata/localize/VOC/Annotations"
	vocImages = "../testdata/localize/VOC/JPEGImages"
	cocoPath  = "../testdata/localize/coco/instances.json"
)

func localizeJSONRun(t *testing.T, args ...string) (boxResultJSON, string) {
	t.Helper()
	out, errOut, st := run(append([]string{"localize", "-methods", "gradcam,sobelcam", "-json"}, args...)...)
	if st != 0 {
		t.Fatalf("%v: status %d: %s", args, st, errOut)
	}
	var r boxResultJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r, errOut
}

// The fixtures box the digits of three sample canvases (the embedded
// model's) truly, except single_2's "2", whose box ends 8 pixels left of
// the digit: Grad-CAM misses it unless the tolerance reaches it. Sobel
// edges peak once per image, on the "4" of double_45, so they miss its "5".
func TestLocalizeBoxesVOCAndCOCO(t *testing.T) {
	voc, vocErr := localizeJSONRun(t, "-boxes", vocDir)
	coco, cocoErr := localizeJSONRun(t, "-boxes", cocoPath, "-images", vocImages)
	if voc.Images != 3 || !reflect.DeepEqual(voc.Unmatched, map[string]int{"person": 1}) || !strings.Contains(vocErr, "skipped: person") {
		t.Errorf("VOC: %d images, unmatched %v, stderr %q", voc.Images, voc.Unmatched, vocErr)
	}
	if coco.Images != 3 || !reflect.DeepEqual(coco.Unmatched, map[string]int{"dog": 1}) || !strings.Contains(cocoErr, "skipped: dog") {
		t.Errorf("COCO: %d images (single_8 has no box), unmatched %v, stderr %q", coco.Images, coco.Unmatched, cocoErr)
	}
	if !reflect.DeepEqual(voc.Methods, coco.Methods) {
		t.Errorf("the same boxes in VOC and COCO gave\n%+v\n%+v", voc.Methods, coco.Methods)
	}
	g, s := voc.Methods[0], voc.Methods[1]
	if g.Method != "gradcam" || g.Hits != 3 || g.Maps != 4 || g.HitRate != 0.75 || g.ClassMean != 2.0/3 {
		t.Errorf("gradcam %+v, want 3 of 4 hits, class mean 2/3", g)
	}
	want := []boxClassJSON{{2, "2", 0, 1, 0}, {4, "4", 2, 2, 1}, {5, "5", 1, 1, 1}}
	if !reflect.DeepEqual(g.Classes, want) {
		t.Errorf("gradcam per class %+v, want %+v", g.Classes, want)
	}
	if s.Hits != 2 || s.Classes[2].Hits != 0 {
		t.Errorf("sobelcam %+v, want hits on both 4s only", s)
	}
	tol, _ := localizeJSONRun(t, "-boxes", vocDir, "-tolerance", "15")
	if g := tol.Methods[0]; g.Hits != 4 || tol.Tolerance != 15 {
		t.Errorf("tolerance 15: gradcam %+v, want every map a hit", g)
	}
	tol, _ = localizeJSONRun(t, "-boxes", vocDir, "-tolerance", "5")
	if g := tol.Methods[0]; g.Hits != 3 {
		t.Errorf("tolerance 5: gradcam %+v, want the 2 still missed (8 px away)", g)
	}
	one, _ := localizeJSONRun(t, "-boxes", filepath.Join(vocDir, "single_4.xml"))
	if one.Images != 1 || one.Methods[0].Hits != 1 || one.Methods[0].Maps != 1 {
		t.Errorf("one VOC file: %+v", one)
	}
}

func TestLocalizeBoxesText(t *testing.T) {
	out, _, st := run("localize", "-boxes", vocDir, "-methods", "gradcam")
	if st != 0 || !strings.Contains(out, "| 2 (1 maps) | 0.0% |") || !strings.Contains(out, "| **overall** (4 maps) | 75.0% |") ||
		!strings.Contains(out, "| mean over classes | 66.7% |") {
		t.Errorf("status %d, table:\n%s", st, out)
	}
}

func TestLocalizeBoxesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	voc, err := os.ReadFile(filepath.Join(vocDir, "single_4.xml"))
	if err != nil {
		t.Fatal(err)
	}
	coco := `{"images":[{"id":1,"file_name":"single_4.png","width":64,"height":64}],"categories":[{"id":1,"name":"4"}],"annotations":[%s]}`
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-boxes", write("b.txt", "x")}, "want Pascal VOC .xml"},
		{[]string{"-boxes", write("broken.xml", "<annotation><filename>a.png")}, "not a Pascal VOC annotation"},
		{[]string{"-boxes", write("nofile.xml", "<annotation><object><name>4</name></object></annotation>")}, "names no <filename>"},
		{[]string{"-boxes", write("inside.xml", strings.Replace(string(voc), "<xmax>29</xmax>", "<xmax>3</xmax>", 1)), "-images", vocImages}, "inside out"},
		{[]string{"-boxes", write("size.xml", strings.Replace(string(voc), "<width>64</width>", "<width>640</width>", 1)), "-images", vocImages}, "the box file says 640×64"},
		{[]string{"-boxes", write("missing.xml", string(voc))}, "single_4.png"},
		{[]string{"-boxes", write("id.json", strings.Replace(coco, "%s", `{"image_id":2,"category_id":1,"bbox":[1,2,3,4]}`, 1))}, "image id 2, which is not in"},
		{[]string{"-boxes", write("cat.json", strings.Replace(coco, "%s", `{"image_id":1,"category_id":9,"bbox":[1,2,3,4]}`, 1))}, "category id 9"},
		{[]string{"-boxes", write("bbox.json", strings.Replace(coco, "%s", `{"image_id":1,"category_id":1,"bbox":[1,2,3]}`, 1))}, "bbox has 3 numbers"},
		{[]string{"-boxes", write("none.json", strings.Replace(strings.Replace(coco, `"name":"4"`, `"name":"cat"`, 1), "%s", `{"image_id":1,"category_id":1,"bbox":[1,2,3,4]}`, 1))}, "no box of a class the model knows (categories cat)"},
		{[]string{"-boxes", write("notcoco.json", `[1,2]`)}, "not COCO instances JSON"},
		{[]string{"-boxes", dir + "/nope"}, "no such file"},
		{[]string{"-boxes", vocDir, "-tolerance", "-1"}, "-tolerance -1"},
		{[]string{"-images", vocImages}, "go with -boxes"},
	} {
		_, errOut, st := run(append([]string{"localize", "-methods", "gradcam"}, c.args...)...)
		if st != 1 || !strings.Contains(errOut, c.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: status %d, stderr %q; want one line with %q", c.args, st, errOut, c.msg)
		}
	}
}

func TestMatchLabel(t *testing.T) {
	labels := []string{"tabby, tabby cat", "potted plant", "Dog", "cat"}
	for _, c := range []struct {
		name string
		want int
		ok   bool
	}{
		{"cat", 3, true}, // an exact label wins over a synonym elsewhere
		{"tabby cat", 0, true},
		{"Potted_Plant", 1, true},
		{"  dog ", 2, true},
		{"pottedplant", 0, false},
		{"", 0, false},
	} {
		if k, ok := matchLabel(labels, c.name); k != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.name, k, ok, c.want, c.ok)
		}
	}
}

// TestLocalizeFindsMNISTFromAnyFolder: run from elsewhere, localize still
// finds the repository's MNIST files; a wrong -mnist names the files.
func TestLocalizeFindsMNISTFromAnyFolder(t *testing.T) {
	want, err := filepath.Abs("../testdata/mnist")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if got, err := mnistDir(""); err != nil || got != want {
		t.Fatalf("mnistDir = %q, %v; want %q", got, err, want)
	}
	out, errOut, st := run("localize", "-n", "2", "-doubles", "1", "-methods", "gradcam", "-json")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	var j localizeJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.Singles != 2 || j.Doubles != 1 || len(j.Methods) != 1 {
		t.Fatalf("%s: %v", out, err)
	}
	_, errOut, st = run("localize", "-mnist", ".", "-n", "2")
	if st != 1 || !strings.Contains(errOut, "-mnist .: the folder does not hold t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz") {
		t.Fatalf("status %d: %q", st, errOut)
	}
}
