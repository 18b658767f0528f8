package scoring

// records decodes a list of objects, one per row ("dataframe_records", and
// "instances" or "inputs" given as records). A column no record names is a
// missing input; a column some records leave out is missing (NaN) there.
func (d *decoder) records(i int32, what string, schema Schema) error {
	list := &d.p.nodes[i]
	if list.kind != jArray {
		return badRequest("'%s' must be a list of records (objects), got %s", what, list.kind)
	}
	if list.count == 0 {
		return badRequest("'%s' is empty: there is nothing to score", what)
	}
	d.frame.reset(schema, int(list.count))
	d.resetSeen(schema)
	for r, j := 0, d.first(i); r < int(list.count); r++ {
		rec := &d.p.nodes[j]
		if rec.kind != jObject {
			return badRequest("record %d of '%s' must be an object, got %s", r, what, rec.kind)
		}
		if err := d.record(j, r, schema); err != nil {
			return err
		}
		j = d.after(j)
	}
	return d.checkMissing(schema)
}

func (d *decoder) record(i int32, r int, schema Schema) error {
	rec := &d.p.nodes[i]
	out := d.frame.Row(r)
	for k, j := 0, d.first(i); k < int(rec.count); k++ {
		idx := d.columnIndex(j, k, schema)
		if idx >= 0 {
			f, err := d.cell(j+1, schema, idx)
			if err != nil {
				return err
			}
			out[idx] = f
			d.seen[idx] = true
		}
		j = d.after(j + 1)
	}
	return nil
}

// columnIndex maps the key node at j (the k-th key of its object) to a
// feature index, or -1. A positional schema takes keys in the given order.
func (d *decoder) columnIndex(j int32, k int, schema Schema) int {
	if schema.Named() {
		return schema.lookup(d.p.text(&d.p.nodes[j]))
	}
	if k < schema.Width() {
		return k
	}
	return -1
}

// rows decodes "instances" (and "inputs" given as a list): a list of
// records, or a list of rows in the schema's order (a tensor), or, for a
// one-feature model, a list of scalars.
func (d *decoder) rows(i int32, what string, schema Schema) error {
	list := &d.p.nodes[i]
	if list.kind != jArray {
		return badRequest("'%s' must be a list of rows, got %s", what, list.kind)
	}
	if list.count == 0 {
		return badRequest("'%s' is empty: there is nothing to score", what)
	}
	switch d.p.nodes[i+1].kind {
	case jObject:
		return d.records(i, what, schema)
	case jArray:
		return d.positional(i, what, schema)
	}
	if schema.Width() != 1 {
		return badRequest("'%s' must be a list of rows (lists or objects), got a list of %s", what, d.p.nodes[i+1].kind)
	}
	d.frame.reset(schema, int(list.count))
	for r, j := 0, d.first(i); r < int(list.count); r++ {
		f, err := d.cell(j, schema, 0)
		if err != nil {
			return err
		}
		d.frame.Values[r] = f
		j = d.after(j)
	}
	return nil
}

// inputs decodes "inputs": an object of columns (name -> list of values),
// or a list as "instances" reads it.
func (d *decoder) inputs(i int32, schema Schema) error {
	obj := &d.p.nodes[i]
	if obj.kind == jArray {
		return d.rows(i, "inputs", schema)
	}
	if obj.kind != jObject {
		return badRequest("'inputs' must be an object of columns or a list of rows, got %s", obj.kind)
	}
	rows := -1
	for k, j := 0, d.first(i); k < int(obj.count); k++ {
		col := &d.p.nodes[j+1]
		if col.kind != jArray {
			return badRequest("column %q of 'inputs' must be a list of values, got %s", d.p.text(&d.p.nodes[j]), col.kind)
		}
		if rows >= 0 && int(col.count) != rows {
			return badRequest("the columns of 'inputs' differ in length (%d and %d values)", rows, col.count)
		}
		rows = int(col.count)
		j = d.after(j + 1)
	}
	if rows <= 0 {
		return badRequest("'inputs' is empty: there is nothing to score")
	}
	d.frame.reset(schema, rows)
	d.resetSeen(schema)
	for k, j := 0, d.first(i); k < int(obj.count); k++ {
		// A repeated key: the last one wins, as in a Python dict.
		if idx := d.columnIndex(j, k, schema); idx >= 0 {
			d.seen[idx] = true
			for r, v := 0, d.first(j+1); r < rows; r++ {
				f, err := d.cell(v, schema, idx)
				if err != nil {
					return err
				}
				d.frame.Values[r*schema.Width()+idx] = f
				v = d.after(v)
			}
		}
		j = d.after(j + 1)
	}
	return d.checkMissing(schema)
}
