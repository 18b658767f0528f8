package scoring

import (
	"encoding/json"
	"math"
	"strconv"
)

// appendPredictions writes {"predictions": [...]}: a flat list when the
// model gives one value per row, else one list per row. A non-finite value
// is written as null (JSON has no NaN).
func appendPredictions(b []byte, p Predictions) []byte {
	b = append(b, `{"predictions": [`...)
	w := max(p.Width, 1)
	for i, v := range p.Values {
		if i > 0 {
			b = append(b, ", "...)
		}
		if w > 1 && i%w == 0 {
			b = append(b, '[')
		}
		b = appendValue(b, v, p.Labels)
		if w > 1 && i%w == w-1 {
			b = append(b, ']')
		}
	}
	return append(b, "]}"...)
}

// appendValue writes v, or the label it indexes when labels are given.
func appendValue(b []byte, v float64, labels []string) []byte {
	if labels == nil {
		return appendFloat(b, v)
	}
	if i := int(v); float64(i) == v && i >= 0 && i < len(labels) {
		return strconv.AppendQuote(b, labels[i])
	}
	return append(b, "null"...)
}

// appendFloat formats like encoding/json: plain notation unless very small
// or very large, the shortest text that reads back as the same float64.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// errorBody is MLflow's error answer.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func appendError(b []byte, e *Error) []byte {
	out, err := json.Marshal(errorBody{ErrorCode: e.Code, Message: e.Message})
	if err != nil { // cannot happen for two strings
		return append(b, `{"error_code": "INTERNAL_ERROR", "message": "encode error"}`...)
	}
	return append(b, out...)
}

// appendHealth is the body of /health: MLflow's server answers a newline;
// mlcd answers a JSON object with its own version and the model version.
func appendHealth(b []byte, server, model string, outputs []string) []byte {
	out, _ := json.Marshal(struct {
		Status       string   `json:"status"`
		MlcdVersion  string   `json:"mlcd_version,omitempty"`
		ModelVersion string   `json:"model_version,omitempty"`
		Outputs      []string `json:"outputs,omitempty"`
	}{"ok", server, model, outputs})
	return append(append(b, out...), '\n')
}
