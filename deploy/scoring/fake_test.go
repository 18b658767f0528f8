package scoring

import (
	"context"
	"math"
)

// placePredictor scores a row as the digits of its features: feature i
// contributes value*10^i, a missing one -1*10^i. So the answer shows which
// value reached which feature.
type placePredictor struct {
	schema Schema
	width  int // outputs per row; > 1 repeats the score
	// PredictFunc, when set, replaces the scoring.
	PredictFunc func(ctx context.Context, f *Frame) (Predictions, error)
}

var _ Predictor = (*placePredictor)(nil)

func (p *placePredictor) Schema() Schema  { return p.schema }
func (p *placePredictor) Version() string { return "7" }

func (p *placePredictor) Predict(ctx context.Context, f *Frame) (Predictions, error) {
	if p.PredictFunc != nil {
		return p.PredictFunc(ctx, f)
	}
	w := max(p.width, 1)
	out := Predictions{Width: w, Values: make([]float64, 0, f.Rows*w)}
	for r := range f.Rows {
		var sum float64
		for i, v := range f.Row(r) {
			if math.IsNaN(v) {
				v = -1
			}
			sum += v * math.Pow10(i)
		}
		for range w {
			out.Values = append(out.Values, sum)
		}
	}
	return out, nil
}
