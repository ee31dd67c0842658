package export

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"camviz/compose"
	"camviz/internal/goldenpng"
)

func TestPNGPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", "a.png"},
		{"a.png", "a.png"},
		{"dir/A.PNG", "dir/A.PNG"},
		{"a.jpg", "a.jpg.png"},
		{"a.png.json", "a.png.json.png"},
	} {
		if got := PNGPath(c.in); got != c.want {
			t.Errorf("PNGPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSave: the PNG holds the picture's pixels, the sidecar the facts
// with the output's path and size filled in, and Saved says so.
func TestSave(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(40*i + 1)
	}
	path := filepath.Join(t.TempDir(), "out.png")
	res, err := Save(path, img, compose.Facts{Image: "cat.png", Class: 281})
	if err != nil {
		t.Fatal(err)
	}
	side := filepath.Join(filepath.Dir(path), "out.json")
	if res.PNG != path || res.JSON != side || res.Size != [2]int{3, 2} || res.Facts.Output != path {
		t.Fatalf("Saved %+v", res)
	}
	got := goldenpng.Read(t, path)
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			if g, w := color.NRGBAModel.Convert(got.At(x, y)), color.NRGBAModel.Convert(img.At(x, y)); g != w {
				t.Fatalf("pixel (%d,%d): %v, want %v", x, y, g, w)
			}
		}
	}
	data, err := os.ReadFile(side)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Image      string `json:"image"`
		Class      int    `json:"class"`
		Output     string `json:"output"`
		OutputSize [2]int `json:"output_size"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Image != "cat.png" || f.Class != 281 || f.Output != path || f.OutputSize != [2]int{3, 2} {
		t.Errorf("sidecar %s", data)
	}
}

// TestSaveFailsWhole: into a folder that does not exist, Save fails and
// leaves neither file.
func TestSaveFailsWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := Save(filepath.Join(dir, "out.png"), image.NewRGBA(image.Rect(0, 0, 1, 1)), compose.Facts{})
	if err == nil {
		t.Fatal("saved into a missing folder")
	}
	if _, serr := os.Stat(filepath.Join(dir, "out.json")); !os.IsNotExist(serr) {
		t.Errorf("a sidecar without its picture: %v", serr)
	}
}

func ExampleSidecarPath() {
	fmt.Println(SidecarPath("runs/cat.png"))
	fmt.Println(SidecarPath(PNGPath("runs/cat")))
	// Output:
	// runs/cat.json
	// runs/cat.json
}
