package scoring

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
)

// naValues are the fields pandas.read_csv reads as missing by default.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// decodeCSV decodes text/csv: a header line of column names, then rows.
func (d *decoder) decodeCSV(body []byte, schema Schema) error {
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return badRequest("Failed to parse input as a Pandas DataFrame: the CSV body is empty (a header line is required)")
	}
	if err != nil {
		return csvError(err)
	}
	d.colmap = d.colmap[:0]
	d.resetSeen(schema)
	for k, name := range header {
		idx := d.csvColumn(name, k, schema)
		if idx >= 0 && d.seen[idx] {
			idx = -1
		}
		if idx >= 0 {
			d.seen[idx] = true
		}
		d.colmap = append(d.colmap, idx)
	}
	if err := d.checkMissing(schema); err != nil {
		return err
	}
	d.frame.reset(schema, 0)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return csvError(err)
		}
		if err := d.csvRow(rec, schema); err != nil {
			return err
		}
	}
	if d.frame.Rows == 0 {
		return badRequest("Failed to parse input as a Pandas DataFrame: the CSV body has no rows")
	}
	return nil
}

func (d *decoder) csvColumn(name string, k int, schema Schema) int {
	if schema.Named() {
		return schema.lookup([]byte(name))
	}
	if k < schema.Width() {
		return k
	}
	return -1
}

func (d *decoder) csvRow(rec []string, schema Schema) error {
	row := make([]float64, schema.Width())
	for i := range row {
		row[i] = math.NaN()
	}
	for c, field := range rec {
		idx := d.colmap[c]
		if idx < 0 {
			continue
		}
		f, err := csvFloat(field)
		if err != nil {
			return badRequest("Incompatible input types for column %s on CSV line %d. Can not safely convert %q to float64.",
				colName(schema, idx), d.frame.Rows+2, field)
		}
		if math.IsInf(f, 0) {
			return badRequest("Input contains infinity in column %s on CSV line %d: the model cannot score an infinite value.",
				colName(schema, idx), d.frame.Rows+2)
		}
		row[idx] = f
	}
	d.frame.Values = append(d.frame.Values, row...)
	d.frame.Rows++
	return nil
}

func csvFloat(field string) (float64, error) {
	s := strings.TrimSpace(field)
	if naValues[s] {
		return math.NaN(), nil
	}
	if strings.ContainsAny(s, "xXpP_") {
		return 0, errors.New("not a decimal number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, err
	}
	return f, nil
}

func csvError(err error) error {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return badRequest("Failed to parse input as a Pandas DataFrame: CSV line %d: %v", perr.Line, perr.Err)
	}
	return badRequest("Failed to parse input as a Pandas DataFrame: %v", err)
}
