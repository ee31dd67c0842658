package compose

import (
	"encoding/json"

	"camviz/analysis"
	"camviz/cam"
	"camviz/metrics"
)

// Facts are what an exported picture shows, for its JSON sidecar and the
// clipboard.
type Facts struct {
	Image      string        `json:"image"`
	ImagePath  string        `json:"image_path,omitempty"`
	ImageSize  [2]int        `json:"image_size"`
	Model      string        `json:"model"`
	ModelPath  string        `json:"model_path,omitempty"`
	InputSize  [3]int        `json:"input_size"`
	Resize     string        `json:"resize"`
	Method     string        `json:"method"`
	MethodName string        `json:"method_display"`
	Layer      string        `json:"layer"`
	Class      int           `json:"class"`
	Label      string        `json:"label"`
	Prob       float32       `json:"prob"`
	Score      float32       `json:"score"`
	Norm       string        `json:"norm"`
	Scale      float32       `json:"scale,omitempty"`
	Colormap   string        `json:"colormap"`
	Alpha      float64       `json:"alpha"`
	Flags      string        `json:"flags,omitempty"`
	Note       string        `json:"note,omitempty"`
	Compare    *CompareFacts `json:"compare,omitempty"`
	Grid       []CellFacts   `json:"grid,omitempty"`
	// Faithfulness is the map's, when measuring is on and it was measured
	// (not for comparisons and grids).
	Faithfulness *FaithFacts `json:"faithfulness,omitempty"`
	// ROAD and Sanity are the map's checks, when the user ran them (not
	// for comparisons and grids).
	ROAD       *analysis.ROADResult   `json:"road,omitempty"`
	Sanity     *analysis.SanityResult `json:"sanity,omitempty"`
	Top        []analysis.Prediction  `json:"top5"`
	Output     string                 `json:"output,omitempty"`
	OutputSize [2]int                 `json:"output_size,omitempty"`
}

// CompareFacts describe a two-class comparison.
type CompareFacts struct {
	A      int     `json:"a"`
	LabelA string  `json:"label_a"`
	ProbA  float32 `json:"prob_a"`
	B      int     `json:"b"`
	LabelB string  `json:"label_b"`
	ProbB  float32 `json:"prob_b"`
	Blend  float64 `json:"blend"`
	Shows  string  `json:"shows"` // "blend" or "contrast A-B"
}

// CellFacts describe one cell of a grid.
type CellFacts struct {
	Method string  `json:"method"`
	Layer  string  `json:"layer"`
	Class  int     `json:"class"`
	Label  string  `json:"label"`
	Prob   float32 `json:"prob"`
	Flags  string  `json:"flags,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// JSON is the facts, indented.
func (f Facts) JSON() []byte {
	b, _ := json.MarshalIndent(f, "", "  ")
	return append(b, '\n')
}

// NewFacts are the facts of a picture of sel drawn on pic: the picture,
// the model, the method at layer, the class and its numbers, the scale
// and what post-processing noticed (flags), the top five classes.
func NewFacts(a *analysis.Analysis, pic *Photo, sel Selection, meth analysis.Method, layer string, scale float32, flags cam.Flags) Facts {
	m := a.Model
	c, h, w := m.Net.InputSize()
	k := sel.Class
	f := Facts{Image: pic.Name, ImagePath: pic.Path, ImageSize: [2]int{pic.Size.X, pic.Size.Y},
		Model: m.Name, ModelPath: m.Path, InputSize: [3]int{c, h, w}, Resize: a.Input.Mode,
		Method: meth.Name, MethodName: meth.Display, Layer: layer, Class: k, Label: m.Label(k),
		Prob: a.Probs[k], Score: a.Scores[k], Norm: sel.Norm.String(), Scale: scale,
		Colormap: sel.EffectiveColormap(), Alpha: sel.Alpha, Flags: flags.String(), Note: DescribeFlags(flags), Top: a.Top(5)}
	if sel.Compare.On {
		cp := sel.Compare
		f.Norm = cam.Shared.String()
		f.Compare = &CompareFacts{A: cp.A, LabelA: m.Label(cp.A), ProbA: a.Probs[cp.A], B: cp.B, LabelB: m.Label(cp.B),
			ProbB: a.Probs[cp.B], Blend: cp.T, Shows: "blend"}
		if cp.Contrast {
			f.Compare.Shows = "contrast A-B"
		}
	}
	return f
}

// FaithNumbers are one map's faithfulness numbers.
type FaithNumbers struct {
	// DeletionAUC: lower is better.
	DeletionAUC float64 `json:"deletion_auc"`
	// InsertionAUC: higher is better.
	InsertionAUC float64 `json:"insertion_auc"`
	// AverageDrop in percent: lower is better.
	AverageDrop float64 `json:"average_drop"`
	// IncreaseInConfidence: the class got more probable on the image
	// times the map.
	IncreaseInConfidence bool `json:"increase_in_confidence"`
	// ExplanationProb is the class probability on the image times the map.
	ExplanationProb float64 `json:"explanation_prob"`
}

// Numbers are r's four numbers.
func Numbers(r *metrics.Report) FaithNumbers {
	return FaithNumbers{DeletionAUC: r.Deletion.AUC, InsertionAUC: r.Insertion.AUC, AverageDrop: r.AverageDrop,
		IncreaseInConfidence: r.IncreaseInConfidence, ExplanationProb: r.ExplanationProb}
}

// FaithFacts are an exported map's faithfulness, next to the chance
// baselines', for the JSON sidecar.
type FaithFacts struct {
	Method string  `json:"method"`
	Layer  string  `json:"layer"`
	Class  int     `json:"class"`
	Prob   float64 `json:"prob"`
	// How it was measured.
	Steps             int              `json:"steps"`
	DeletionBaseline  metrics.Baseline `json:"deletion_baseline"`
	InsertionBaseline metrics.Baseline `json:"insertion_baseline"`
	Seed              uint64           `json:"seed"`
	// The map's numbers.
	FaithNumbers
	Baselines struct {
		Random FaithNumbers `json:"random"`
		Center FaithNumbers `json:"center"`
	} `json:"baselines"`
	Verdict string `json:"verdict"`
}

// NewFaithFacts describes r, measured with cfg.
func NewFaithFacts(r *analysis.FaithfulnessReport, cfg metrics.Config) *FaithFacts {
	cfg = cfg.WithDefaults()
	f := &FaithFacts{Method: r.Method, Layer: r.Layer, Class: r.Class, Prob: r.Map.Prob, Steps: cfg.Steps,
		DeletionBaseline: cfg.Deletion, InsertionBaseline: cfg.Insertion, Seed: cfg.Seed,
		FaithNumbers: Numbers(r.Map), Verdict: r.Verdict()}
	f.Baselines.Random = Numbers(r.Random)
	f.Baselines.Center = Numbers(r.Center)
	return f
}
