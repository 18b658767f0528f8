package scoring

import (
	"math"
	"strconv"
)

// first returns the index of the first child of the container at i (an
// array's first element, an object's first key); after returns the index of
// the node that follows the subtree at i (its next sibling).
func (d *decoder) first(i int32) int32 { return i + 1 }

func (d *decoder) after(i int32) int32 { return d.p.nodes[i].next }

// split decodes {"columns": [...], "data": [[...], ...], "index": [...]}.
func (d *decoder) split(i int32, schema Schema) error {
	obj := &d.p.nodes[i]
	if obj.kind != jObject {
		return badRequest("'dataframe_split' must be an object with 'columns' and 'data', got %s", obj.kind)
	}
	var cols, data, index int32
	for k, j := 0, d.first(i); k < int(obj.count); k++ {
		switch string(d.p.text(&d.p.nodes[j])) {
		case "columns":
			cols = j + 1
		case "data":
			data = j + 1
		case "index":
			index = j + 1
		default:
			return badRequest("'dataframe_split' has an unexpected key %q; allowed keys are 'columns', 'data' and 'index'",
				d.p.text(&d.p.nodes[j]))
		}
		j = d.after(j + 1)
	}
	if data == 0 {
		return badRequest("'dataframe_split' needs 'data', a list of rows")
	}
	if d.p.nodes[data].kind != jArray {
		return badRequest("'dataframe_split.data' must be a list of rows, got %s", d.p.nodes[data].kind)
	}
	if err := d.checkIndex(index, data); err != nil {
		return err
	}
	if d.p.nodes[data].count == 0 && cols == 0 {
		return badRequest("'dataframe_split.data' is empty and there are no 'columns': there is nothing to score")
	}
	if cols == 0 {
		return d.positional(data, "dataframe_split.data", schema)
	}
	if err := d.mapColumns(cols, schema); err != nil {
		return err
	}
	return d.mappedRows(data, schema)
}

// checkIndex refuses an index that is not a list or whose length differs
// from the number of rows, as pandas does.
func (d *decoder) checkIndex(index, data int32) error {
	if index == 0 || d.p.nodes[index].kind == jNull {
		return nil
	}
	n := &d.p.nodes[index]
	if n.kind != jArray {
		return badRequest("'dataframe_split.index' must be a list, got %s", n.kind)
	}
	if rows := d.p.nodes[data].count; n.count != rows {
		return badRequest("'dataframe_split.index' has %d entries but 'data' has %d rows; they must have the same length", n.count, rows)
	}
	return nil
}

// mapColumns fills d.colmap from a list of column names and checks that
// every feature of the schema is given.
func (d *decoder) mapColumns(cols int32, schema Schema) error {
	list := &d.p.nodes[cols]
	if list.kind != jArray {
		return badRequest("'dataframe_split.columns' must be a list of names, got %s", list.kind)
	}
	d.colmap = d.colmap[:0]
	d.resetSeen(schema)
	for k, j := 0, d.first(cols); k < int(list.count); k++ {
		idx := -1
		switch n := &d.p.nodes[j]; {
		case n.kind == jString && schema.Named():
			idx = schema.lookup(d.p.text(n))
		case !schema.Named() && k < schema.Width():
			idx = k
		}
		// A known name seen before is a repeat; other names (rare) are
		// compared with the columns before them.
		if (idx >= 0 && schema.Named() && d.seen[idx]) || ((idx < 0 || !schema.Named()) && d.duplicateColumn(cols, j, k)) {
			return badRequest("Duplicate column name %s in 'dataframe_split.columns': each column may be given once.",
				pyStr(string(d.p.text(&d.p.nodes[j]))))
		}
		if idx >= 0 {
			d.seen[idx] = true
		}
		d.colmap = append(d.colmap, idx)
		j = d.after(j)
	}
	return d.checkMissing(schema)
}

// duplicateColumn reports whether one of the columns before the k-th
// (node j) of the list at cols has the same value.
func (d *decoder) duplicateColumn(cols, j int32, k int) bool {
	n := &d.p.nodes[j]
	for c, i := 0, d.first(cols); c < k; c++ {
		o := &d.p.nodes[i]
		if o.kind == n.kind && string(d.p.text(o)) == string(d.p.text(n)) {
			return true
		}
		i = d.after(i)
	}
	return false
}

func (d *decoder) resetSeen(schema Schema) {
	if cap(d.seen) < schema.Width() {
		d.seen = make([]bool, schema.Width())
	}
	d.seen = d.seen[:schema.Width()]
	clear(d.seen)
}

func (d *decoder) checkMissing(schema Schema) error {
	var missing []string
	for i, ok := range d.seen {
		if ok {
			continue
		}
		if !schema.Named() {
			return badRequest("the model takes %d features, the request gives %d", schema.Width(), countTrue(d.seen))
		}
		missing = append(missing, schema.names[i])
	}
	if missing != nil {
		return badRequest("Model is missing inputs %s.", pyList(missing))
	}
	return nil
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// mappedRows decodes a list of rows whose columns d.colmap maps.
func (d *decoder) mappedRows(data int32, schema Schema) error {
	list := &d.p.nodes[data]
	d.frame.reset(schema, int(list.count))
	for r, j := 0, d.first(data); r < int(list.count); r++ {
		row := &d.p.nodes[j]
		if row.kind != jArray {
			return badRequest("row %d of 'data' must be a list, got %s", r, row.kind)
		}
		if int(row.count) != len(d.colmap) {
			return badRequest("row %d of 'data' has %d values, but there are %d columns", r, row.count, len(d.colmap))
		}
		out := d.frame.Row(r)
		for c, v := 0, d.first(j); c < int(row.count); c++ {
			if idx := d.colmap[c]; idx >= 0 {
				f, err := d.cell(v, schema, idx)
				if err != nil {
					return err
				}
				out[idx] = f
			}
			v = d.after(v)
		}
		j = d.after(j)
	}
	return nil
}

// positional decodes a list of rows given in the schema's order (a tensor
// input, or dataframe_split without columns).
func (d *decoder) positional(data int32, what string, schema Schema) error {
	list := &d.p.nodes[data]
	d.frame.reset(schema, int(list.count))
	for r, j := 0, d.first(data); r < int(list.count); r++ {
		row := &d.p.nodes[j]
		if row.kind != jArray {
			return badRequest("row %d of '%s' must be a list, got %s", r, what, row.kind)
		}
		if int(row.count) != schema.Width() {
			return badRequest("row %d of '%s' has %d values, but the model takes %d features", r, what, row.count, schema.Width())
		}
		out := d.frame.Row(r)
		for c, v := 0, d.first(j); c < int(row.count); c++ {
			f, err := d.cell(v, schema, c)
			if err != nil {
				return err
			}
			out[c] = f
			v = d.after(v)
		}
		j = d.after(j)
	}
	return nil
}

// cell converts one value for feature idx as pandas converts a column to
// float64: a number, null (missing), a boolean (1 or 0), or a string that
// Python's float() reads ("0.5", " 1e3 ", "nan"). An infinite value is
// refused, as the tree libraries refuse it.
func (d *decoder) cell(i int32, schema Schema, idx int) (float64, error) {
	n := &d.p.nodes[i]
	switch n.kind {
	case jNumber:
		if math.IsInf(n.num, 0) {
			return 0, d.infinite(schema, idx)
		}
		return n.num, nil
	case jNull:
		return math.NaN(), nil
	case jBool:
		if n.truth {
			return 1, nil
		}
		return 0, nil
	case jString:
		f, ok := pyFloat(d.p.text(n))
		if !ok {
			return 0, badRequest("Incompatible input types for column %s. Can not safely convert string %s to float64.",
				colName(schema, idx), pyStr(string(d.p.text(n))))
		}
		if math.IsInf(f, 0) {
			return 0, d.infinite(schema, idx)
		}
		return f, nil
	}
	return 0, badRequest("Incompatible input types for column %s. Can not safely convert %s to float64.", colName(schema, idx), n.kind)
}

func (d *decoder) infinite(schema Schema, idx int) error {
	return badRequest("Input contains infinity in column %s: the model cannot score an infinite value.", colName(schema, idx))
}

// colName is the name of feature idx, or its position for a positional schema.
func colName(schema Schema, idx int) string {
	if schema.Named() {
		return schema.names[idx]
	}
	return strconv.Itoa(idx)
}
