package cli

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"camviz/metrics"
)

// boxImage is one image of a box file: its path and its boxes by class.
type boxImage struct {
	path    string
	w, h    int // the size the file declares; 0 when it does not
	classes []int
	boxes   map[int][]metrics.Box
}

func (b *boxImage) add(class int, box metrics.Box) {
	if b.boxes == nil {
		b.boxes = map[int][]metrics.Box{}
	}
	if _, ok := b.boxes[class]; !ok {
		b.classes = append(b.classes, class)
	}
	b.boxes[class] = append(b.boxes[class], box)
}

// boxSet is what a box file holds for the model: the images with at
// least one box of a class the model knows, and how many boxes each
// unknown category had (they are skipped).
type boxSet struct {
	images    []*boxImage
	unmatched map[string]int
}

func (s *boxSet) skip(category string) {
	if s.unmatched == nil {
		s.unmatched = map[string]int{}
	}
	s.unmatched[category]++
}

// readBoxes reads Pascal VOC XML (one file, or every .xml in a folder) or
// COCO instances JSON. Images are looked for in images ("" = beside the
// box file; for VOC also ../JPEGImages, the VOC layout). Categories are
// the model's labels by name (see matchLabel).
func readBoxes(path, images string, labels []string) (*boxSet, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("-boxes: %w", err)
	}
	var xmls []string
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case st.IsDir():
		if xmls, err = filepath.Glob(filepath.Join(path, "*.xml")); err != nil {
			return nil, err
		}
		if len(xmls) == 0 {
			return nil, fmt.Errorf("-boxes: no .xml files in %s", path)
		}
		slices.Sort(xmls)
	case ext == ".xml":
		xmls = []string{path}
	case ext == ".json":
		return readCOCO(path, images, labels)
	default:
		return nil, fmt.Errorf("-boxes %s: want Pascal VOC .xml (a file or a folder of them) or COCO .json", path)
	}
	set := &boxSet{}
	for _, f := range xmls {
		if err := readVOC(f, images, labels, set); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// vocAnnotation is the part of a Pascal VOC annotation file used here.
type vocAnnotation struct {
	XMLName  xml.Name `xml:"annotation"`
	Filename string   `xml:"filename"`
	Size     struct {
		Width  int `xml:"width"`
		Height int `xml:"height"`
	} `xml:"size"`
	Objects []struct {
		Name string `xml:"name"`
		Box  *struct {
			Xmin float64 `xml:"xmin"`
			Ymin float64 `xml:"ymin"`
			Xmax float64 `xml:"xmax"`
			Ymax float64 `xml:"ymax"`
		} `xml:"bndbox"`
	} `xml:"object"`
}

func readVOC(path, images string, labels []string, set *boxSet) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-boxes: %w", err)
	}
	var a vocAnnotation
	if err := xml.Unmarshal(data, &a); err != nil {
		return fmt.Errorf("%s: not a Pascal VOC annotation: %w", path, err)
	}
	if strings.TrimSpace(a.Filename) == "" {
		return fmt.Errorf("%s: the annotation names no <filename>", path)
	}
	img := &boxImage{path: vocImage(path, images, strings.TrimSpace(a.Filename)), w: a.Size.Width, h: a.Size.Height}
	for i, o := range a.Objects {
		if o.Box == nil {
			return fmt.Errorf("%s: object %d (%q) has no <bndbox>", path, i+1, o.Name)
		}
		b := metrics.Box{X0: o.Box.Xmin - 1, Y0: o.Box.Ymin - 1, X1: o.Box.Xmax, Y1: o.Box.Ymax}
		if err := checkBox(b); err != nil {
			return fmt.Errorf("%s: object %d (%q): %w", path, i+1, o.Name, err)
		}
		k, ok := matchLabel(labels, o.Name)
		if !ok {
			set.skip(strings.TrimSpace(o.Name))
			continue
		}
		img.add(k, b)
	}
	if len(img.classes) > 0 {
		set.images = append(set.images, img)
	}
	return nil
}

// vocImage finds a VOC annotation's image: in images if given, else beside
// the annotation, else in the VOC layout's ../JPEGImages.
func vocImage(xmlPath, images, name string) string {
	if images != "" {
		return filepath.Join(images, name)
	}
	dir := filepath.Dir(xmlPath)
	if p := filepath.Join(dir, name); exists(p) {
		return p
	}
	if p := filepath.Join(dir, "..", "JPEGImages", name); exists(p) {
		return p
	}
	return filepath.Join(dir, name)
}

// cocoFile is the part of a COCO instances file used here.
type cocoFile struct {
	Images []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
	} `json:"images"`
	Annotations []struct {
		ImageID    int64     `json:"image_id"`
		CategoryID int64     `json:"category_id"`
		BBox       []float64 `json:"bbox"`
	} `json:"annotations"`
	Categories []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"categories"`
}

func readCOCO(path, images string, labels []string) (*boxSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-boxes: %w", err)
	}
	var c cocoFile
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: not COCO instances JSON: %w", path, err)
	}
	if len(c.Images) == 0 || len(c.Categories) == 0 {
		return nil, fmt.Errorf("%s: no \"images\" or no \"categories\" (want COCO instances JSON)", path)
	}
	if images == "" {
		images = filepath.Dir(path)
	}
	byID := map[int64]*boxImage{}
	var order []*boxImage
	for _, im := range c.Images {
		if _, dup := byID[im.ID]; dup {
			return nil, fmt.Errorf("%s: image id %d appears twice", path, im.ID)
		}
		b := &boxImage{path: filepath.Join(images, im.FileName), w: im.Width, h: im.Height}
		byID[im.ID] = b
		order = append(order, b)
	}
	cats := map[int64]string{}
	for _, k := range c.Categories {
		cats[k.ID] = k.Name
	}
	set := &boxSet{}
	for i, a := range c.Annotations {
		img, ok := byID[a.ImageID]
		if !ok {
			return nil, fmt.Errorf("%s: annotation %d refers to image id %d, which is not in \"images\"", path, i+1, a.ImageID)
		}
		name, ok := cats[a.CategoryID]
		if !ok {
			return nil, fmt.Errorf("%s: annotation %d has category id %d, which is not in \"categories\"", path, i+1, a.CategoryID)
		}
		if len(a.BBox) != 4 {
			return nil, fmt.Errorf("%s: annotation %d: bbox has %d numbers, want [x, y, width, height]", path, i+1, len(a.BBox))
		}
		b := metrics.Box{X0: a.BBox[0], Y0: a.BBox[1], X1: a.BBox[0] + a.BBox[2], Y1: a.BBox[1] + a.BBox[3]}
		if err := checkBox(b); err != nil {
			return nil, fmt.Errorf("%s: annotation %d: %w", path, i+1, err)
		}
		k, ok := matchLabel(labels, name)
		if !ok {
			set.skip(name)
			continue
		}
		img.add(k, b)
	}
	for _, b := range order {
		if len(b.classes) > 0 {
			set.images = append(set.images, b)
		}
	}
	return set, nil
}

func checkBox(b metrics.Box) error {
	for _, v := range []float64{b.X0, b.Y0, b.X1, b.Y1} {
		if v != v || v < -1e9 || v > 1e9 {
			return errors.New("box coordinate is not a finite number")
		}
	}
	if b.X1 < b.X0 || b.Y1 < b.Y0 {
		return fmt.Errorf("box [%g, %g]–[%g, %g] is inside out", b.X0, b.Y0, b.X1, b.Y1)
	}
	return nil
}

// matchLabel finds a category among the model's labels: the same name,
// ignoring case, spaces and underscores at the ends and between words;
// a label that lists synonyms ("tabby, tabby cat", as ImageNet's do)
// matches any of them. It reports false when no label matches.
func matchLabel(labels []string, name string) (int, bool) {
	want := normLabel(name)
	if want == "" {
		return 0, false
	}
	for k, l := range labels {
		if normLabel(l) == want {
			return k, true
		}
	}
	for k, l := range labels {
		for _, syn := range strings.Split(l, ",") {
			if normLabel(syn) == want {
				return k, true
			}
		}
	}
	return 0, false
}

func normLabel(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "_", " ")), " "))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
