package scoring

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Decode parses an /invocations request body into a Frame ordered by schema
// and the request's optional params. Every error is an *Error with a 4xx
// status: 415 for a content type other than application/json or text/csv
// (optionally with charset=utf-8), 400 for a body that is not a valid input.
func Decode(contentType string, body []byte, schema Schema) (Frame, Params, error) {
	var d decoder
	params, err := d.decode(contentType, body, schema)
	if err != nil {
		return Frame{}, nil, err
	}
	return d.frame, params, nil
}

// decoder keeps the storage of one request so that the Handler can pool it.
type decoder struct {
	p      jparser
	frame  Frame
	colmap []int  // request column -> schema index, -1 when unknown
	seen   []bool // schema index -> given by the request
}

func (d *decoder) decode(contentType string, body []byte, schema Schema) (Params, error) {
	mime, err := mediaType(contentType)
	if err != nil {
		return nil, err
	}
	if mime == "text/csv" {
		return nil, d.decodeCSV(body, schema)
	}
	return d.decodeJSON(body, schema)
}

// mediaType applies MLflow's content-type rules and returns the media type.
func mediaType(ct string) (string, *Error) {
	head, rest, _ := strings.Cut(ct, ";")
	mime := strings.ToLower(strings.TrimSpace(head))
	var unknown []string
	for rest != "" {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.ToLower(strings.TrimSpace(k)) != "charset" {
			unknown = append(unknown, k)
			continue
		}
		if cs := strings.ToLower(strings.Trim(strings.TrimSpace(v), `"`)); cs != "utf-8" && cs != "utf8" {
			return "", unsupportedMedia("The scoring server only supports UTF-8")
		}
	}
	if mime != "application/json" && mime != "text/csv" {
		return "", unsupportedMedia(fmt.Sprintf("This predictor only supports the following content types:"+
			" Types: ['text/csv', 'application/json']. Got '%s'.", ct))
	}
	if len(unknown) > 0 {
		return "", unsupportedMedia(fmt.Sprintf("Unrecognized content type parameters: %s. %s",
			strings.Join(unknown, ", "), scoringProtocolChange))
	}
	return mime, nil
}

// The four input keys of a JSON body.
const (
	keySplit = iota
	keyRecords
	keyInstances
	keyInputs
	numKeys
)

var inputKeys = [numKeys]string{"dataframe_split", "dataframe_records", "instances", "inputs"}

func (d *decoder) decodeJSON(body []byte, schema Schema) (Params, error) {
	if err := d.p.parse(body); err != nil {
		return nil, badRequest("Invalid input. Ensure that input is a valid JSON formatted string. Error: '%v'", err)
	}
	root := &d.p.nodes[0]
	if root.kind != jObject {
		return nil, notAnObject(d.p.src, root)
	}
	var (
		found  [numKeys]int32 // node index of each key's value, 0 when absent
		params int32
		n      int
	)
	for k, i := 0, int32(1); k < int(root.count); k++ {
		key, val := &d.p.nodes[i], i+1
		switch name := string(d.p.text(key)); name {
		case "params":
			params = val
		default:
			for j, ik := range inputKeys {
				if ik == name {
					if found[j] == 0 {
						n++
					}
					found[j] = val
				}
			}
		}
		i = d.p.nodes[val].next
	}
	if n != 1 {
		return nil, badRequest("%s. Received dictionary with input fields: %s. %s",
			requiredInputFormat, pyList(d.keys(root)), scoringProtocolChange)
	}
	var err error
	switch {
	case found[keySplit] != 0:
		err = d.split(found[keySplit], schema)
	case found[keyRecords] != 0:
		err = d.records(found[keyRecords], "dataframe_records", schema)
	case found[keyInstances] != 0:
		err = d.rows(found[keyInstances], "instances", schema)
	default:
		err = d.inputs(found[keyInputs], schema)
	}
	if err != nil {
		return nil, err
	}
	return d.params(params)
}

func notAnObject(src []byte, root *jnode) *Error {
	if root.kind == jArray {
		return badRequest("%s. Received a list.", requiredInputFormat)
	}
	pyType := map[jkind]string{jNull: "NoneType", jBool: "bool", jString: "str", jNumber: "int"}[root.kind]
	if root.kind == jNumber && strings.ContainsAny(string(src[root.start:root.end]), ".eEN") {
		pyType = "float"
	}
	return badRequest("%s. Received unexpected input type '<class '%s'>'.", requiredInputFormat, pyType)
}

// keys returns the member names of an object node, in order.
func (d *decoder) keys(obj *jnode) []string {
	var out []string
	for k, i := 0, int32(1); k < int(obj.count); k++ {
		out = append(out, string(d.p.text(&d.p.nodes[i])))
		i = d.p.nodes[i+1].next
	}
	return out
}

func (d *decoder) params(i int32) (Params, error) {
	if i == 0 || d.p.nodes[i].kind == jNull {
		return nil, nil
	}
	n := &d.p.nodes[i]
	if n.kind != jObject {
		// MLflow ignores params of another type for a model without a
		// params schema; so does every flavor mlcd serves.
		return nil, nil
	}
	var out Params
	if err := json.Unmarshal(d.p.src[n.start:n.end], &out); err != nil {
		return nil, badRequest("'params' is not valid: %v", err)
	}
	return out, nil
}

// pyList formats names as Python prints a list of strings: ['a', 'b'].
func pyList(names []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyStr(n))
	}
	b.WriteByte(']')
	return b.String()
}

// pyStr quotes s as Python's repr of a string does: 'a', "it's".
func pyStr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	return q + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), q, `\`+q) + q
}
