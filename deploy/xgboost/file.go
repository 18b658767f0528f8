package xgboost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The wire structs of XGBoost's JSON model (doc/model.schema in XGBoost).
// UBJSON has the same structure.
type modelFile struct {
	Learner *learnerJSON `json:"learner"`
	Version []int        `json:"version"`
}

type learnerJSON struct {
	FeatureNames    []string       `json:"feature_names"`
	FeatureTypes    []string       `json:"feature_types"`
	GradientBooster boosterJSON    `json:"gradient_booster"`
	ModelParam      modelParamJSON `json:"learner_model_param"`
	Objective       struct {
		Name string `json:"name"`
	} `json:"objective"`
}

type modelParamJSON struct {
	BaseScore  string `json:"base_score"`
	NumClass   string `json:"num_class"`
	NumFeature string `json:"num_feature"`
	NumTarget  string `json:"num_target"`
}

type boosterJSON struct {
	Name       string       `json:"name"`
	Model      *gbtreeJSON  `json:"model"`       // gbtree
	GBTree     *boosterJSON `json:"gbtree"`      // dart wraps a gbtree
	WeightDrop []float32    `json:"weight_drop"` // dart: one weight per tree
}

type gbtreeJSON struct {
	TreeInfo []int      `json:"tree_info"`
	Trees    []treeJSON `json:"trees"`
}

type treeJSON struct {
	LeftChildren    []int32   `json:"left_children"`
	RightChildren   []int32   `json:"right_children"`
	SplitIndices    []int64   `json:"split_indices"`
	SplitConditions []float32 `json:"split_conditions"`
	DefaultLeft     []int     `json:"default_left"`
	SplitType       []int     `json:"split_type"`
}

// Format is a model file's encoding.
type Format int

// The formats Load reads.
const (
	FormatJSON Format = iota + 1
	FormatUBJSON
	FormatBinary // XGBoost 1.x's binary format ("binf")
)

func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatUBJSON:
		return "ubjson"
	case FormatBinary:
		return "binary"
	}
	return "unknown"
}

var (
	// ErrUnsupported is returned for a model this package cannot evaluate.
	ErrUnsupported = errors.New("unsupported xgboost model")
)

// sniff tells the format from the first bytes.
func sniff(data []byte) (Format, error) {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) < 2 || t[0] != '{' {
		if bytes.HasPrefix(data, []byte("binf")) {
			return FormatBinary, nil
		}
		return 0, errors.New(`not an xgboost model file: neither JSON, UBJSON nor the binary format with a "binf" header (files from XGBoost before 1.0 are not read)`)
	}
	switch t[1] {
	case 'i', 'U', 'I', 'l', 'L', '$', '#', '}':
		if t[1] != '}' || len(t) == 2 {
			return FormatUBJSON, nil
		}
	}
	return FormatJSON, nil
}

// decodeFile reads either format into the wire structs.
func decodeFile(data []byte) (*modelFile, Format, error) {
	format, err := sniff(data)
	if err != nil {
		return nil, 0, err
	}
	if format == FormatBinary {
		f, err := decodeLegacy(data)
		return f, format, err
	}
	if format == FormatUBJSON {
		v, err := decodeUBJSON(data)
		if err != nil {
			return nil, format, err
		}
		if data, err = json.Marshal(finite(v)); err != nil {
			return nil, format, fmt.Errorf("ubjson: %w", err)
		}
	}
	var f modelFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	if f.Learner == nil {
		return nil, format, fmt.Errorf("%s: no \"learner\" object: not an xgboost model", format)
	}
	return &f, format, nil
}

// paramInt parses one of XGBoost's string-typed integer parameters.
func paramInt(name, s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("learner_model_param.%s %q is not a count", name, s)
	}
	return n, nil
}

// finite replaces the non-finite floats of a decoded UBJSON document with
// nil: JSON cannot carry them, and the fields the model needs never hold
// them (statistics such as loss_changes may).
func finite(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = finite(e)
		}
	case []any:
		for i, e := range x {
			x[i] = finite(e)
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}
