// Command xwdcheck reads a screenshot taken with xwd, optionally writes it
// as PNG, and checks that the given area shows a jet heat map over a
// picture: many distinct colours, saturated cool and warm jet colours,
// not blank or black. The window smoke test (scripts/smoke.sh) runs it.
//
//	go run ./ui/internal/xwdcheck -in shot.xwd [-png shot.png [-colours 256]] [-area x,y,w,h] [-check] [-text x,y,w,h,tw]…
//
// Each -text names a line of text the window reports it drew (its area and
// the width the text measures); the check fails unless the screenshot
// shows ink of that width there.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
)

func main() {
	in := flag.String("in", "", "the xwd file")
	out := flag.String("png", "", "write the screenshot as PNG here")
	areaFlag := flag.String("area", "", "x,y,w,h of the overlay (default: the whole screenshot)")
	check := flag.Bool("check", false, "fail unless the area shows a heat map over a picture")
	colours := flag.Int("colours", 0, "write the PNG with at most this many colours (2–256; 0 = all)")
	var texts []textSpot
	flag.Func("text", "x,y,w,h,textwidth: fail unless a line of text that wide is drawn there (repeatable)", func(s string) error {
		t, err := parseTextSpot(s)
		texts = append(texts, t)
		return err
	})
	flag.Parse()
	if err := run(*in, *out, *areaFlag, *check, *colours, texts); err != nil {
		fmt.Fprintln(os.Stderr, "xwdcheck:", err)
		os.Exit(1)
	}
}

func run(in, out, areaFlag string, check bool, colours int, texts []textSpot) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := decodeXWD(f)
	if err != nil {
		return err
	}
	if out != "" {
		var pic image.Image = img
		if colours >= 2 && colours <= 256 {
			pic = quantize(img, colours, true)
		}
		if err := writePNG(out, pic); err != nil {
			return err
		}
	}
	for _, t := range texts {
		if err := checkText(img, t); err != nil {
			return err
		}
		fmt.Printf("xwdcheck: text at %v drawn, %d px wide\n", t.Area, t.Width)
	}
	if len(texts) > 0 && areaFlag == "" && !check {
		return nil
	}
	area := img.Bounds()
	if areaFlag != "" {
		var x, y, w, h int
		if _, err := fmt.Sscanf(areaFlag, "%d,%d,%d,%d", &x, &y, &w, &h); err != nil {
			return fmt.Errorf("-area %q: want x,y,w,h", areaFlag)
		}
		area = image.Rect(x, y, x+w, y+h)
		// Stay off the picture's edges: the check is about its inside.
		area = area.Inset(min(w, h) / 20)
	}
	r := measure(img, area)
	fmt.Printf("xwdcheck: %d×%d screenshot; area %v: %d colours, mean luminance %.0f, cool %.1f%%, warm %.1f%%, black %.1f%%\n",
		img.Bounds().Dx(), img.Bounds().Dy(), r.Area, r.Distinct, r.Mean, 100*r.CoolFrac, 100*r.WarmFrac, 100*r.Black)
	if check {
		if v := r.verdict(); v != "" {
			return fmt.Errorf("the window does not show a heat map: %s", v)
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
