package xgboost

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// output is an objective's transform from margins to predictions.
type output int

const (
	outIdentity output = iota
	outSigmoid
	outExp
	outSoftmax
	outArgmax
	outHinge
)

// objectives maps each supported objective to its output transform and
// to how base_score becomes a margin (XGBoost's ProbToMargin).
var objectives = map[string]struct {
	out    output
	margin func(float32) float32
}{
	"reg:squarederror":     {outIdentity, identity},
	"reg:squaredlogerror":  {outIdentity, identity},
	"reg:pseudohubererror": {outIdentity, identity},
	"reg:absoluteerror":    {outIdentity, identity},
	"reg:linear":           {outIdentity, identity},
	"rank:pairwise":        {outIdentity, identity},
	"rank:ndcg":            {outIdentity, identity},
	"rank:map":             {outIdentity, identity},
	"binary:logistic":      {outSigmoid, logit},
	"reg:logistic":         {outSigmoid, logit},
	"binary:logitraw":      {outIdentity, identity}, // XGBoost 1.7 adds base_score as a raw margin
	"binary:hinge":         {outHinge, identity},
	"count:poisson":        {outExp, log32},
	"reg:gamma":            {outExp, log32},
	"reg:tweedie":          {outExp, log32},
	"survival:cox":         {outExp, log32},
	"multi:softprob":       {outSoftmax, identity},
	"multi:softmax":        {outArgmax, identity},
}

func identity(x float32) float32 { return x }
func logit(p float32) float32    { return float32(-math.Log(float64(1/p - 1))) }
func log32(p float32) float32    { return float32(math.Log(float64(p))) }

func (m *Model) setObjective(baseScore string) error {
	obj, ok := objectives[m.objective]
	if !ok {
		return fmt.Errorf("%w: objective %q", ErrUnsupported, m.objective)
	}
	m.out = obj.out
	base := float32(0.5)
	// XGBoost 3 writes a vector, "[5E-1]"; earlier versions a scalar.
	if s := strings.Trim(baseScore, "[] "); s != "" {
		b, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return fmt.Errorf("learner_model_param.base_score %q is not a number", baseScore)
		}
		base = float32(b)
	}
	m.base = obj.margin(base)
	if math.IsNaN(float64(m.base)) || math.IsInf(float64(m.base), 0) {
		return fmt.Errorf("base_score %s is out of range for %s", baseScore, m.objective)
	}
	return nil
}

// width is the number of predictions per row.
func (o output) width(groups int) int {
	if o == outArgmax {
		return 1
	}
	return groups
}

// transform turns one row's margins into predictions (len(dst) == width).
func (o output) transform(margin []float32, dst []float64) {
	switch o {
	case outSigmoid:
		for i, x := range margin {
			dst[i] = float64(1 / (1 + exp32(-x)))
		}
	case outExp:
		for i, x := range margin {
			dst[i] = float64(exp32(x))
		}
	case outHinge:
		for i, x := range margin {
			dst[i] = 0
			if x > 0 {
				dst[i] = 1
			}
		}
	case outSoftmax:
		softmax(margin, dst)
	case outArgmax:
		best := 0
		for i, x := range margin {
			if x > margin[best] {
				best = i
			}
		}
		dst[0] = float64(best)
	default:
		for i, x := range margin {
			dst[i] = float64(x)
		}
	}
}

// softmax as XGBoost computes it: subtract the max, exponentiate and sum
// in float32.
func softmax(margin []float32, dst []float64) {
	wmax := margin[0]
	for _, x := range margin[1:] {
		wmax = max(wmax, x)
	}
	var sum float32
	for _, x := range margin {
		sum += exp32(x - wmax)
	}
	for i, x := range margin {
		dst[i] = float64(exp32(x-wmax) / sum)
	}
}
