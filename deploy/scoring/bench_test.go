package scoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchBody is a single-row dataframe_split request of about 220 bytes,
// the shape of the serving benchmark.
var benchBody = func() []byte {
	var cols, vals []string
	for i := range 10 {
		cols = append(cols, fmt.Sprintf("%q", fmt.Sprintf("f%d", i)))
		vals = append(vals, fmt.Sprintf("%.8g", 1.2345678+float64(i)*-0.731))
	}
	return []byte(`{"dataframe_split": {"columns": [` + strings.Join(cols, ", ") + `], "data": [[` + strings.Join(vals, ", ") + `]]}}`)
}()

var benchSchema = NewSchema([]string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"})

func BenchmarkDecode(b *testing.B) {
	var d decoder
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.decode("application/json", benchBody, benchSchema); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler_invocations measures the handler alone (no network):
// read, decode, predict with a trivial predictor, encode.
func BenchmarkHandler_invocations(b *testing.B) {
	h := Handler(&placePredictor{schema: benchSchema}, Options{})
	rd := bytes.NewReader(benchBody)
	req := httptest.NewRequest(http.MethodPost, "/invocations", rd)
	req.Header.Set("Content-Type", "application/json")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(benchBody)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != 0 && w.status != 200 {
			b.Fatal(w.status)
		}
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// BenchmarkDecode_encodingJSON is the road not taken, for comparison:
// encoding/json into a struct, then mapping the columns.
func BenchmarkDecode_encodingJSON(b *testing.B) {
	var req struct {
		DataframeSplit struct {
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		} `json:"dataframe_split"`
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	row := make([]float64, benchSchema.Width())
	for b.Loop() {
		req.DataframeSplit.Columns, req.DataframeSplit.Data = nil, nil
		if err := json.Unmarshal(benchBody, &req); err != nil {
			b.Fatal(err)
		}
		for i, c := range req.DataframeSplit.Columns {
			if idx := benchSchema.lookup([]byte(c)); idx >= 0 {
				row[idx], _ = req.DataframeSplit.Data[0][i].(float64)
			}
		}
	}
}
