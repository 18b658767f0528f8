package tracking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MLflow's error codes, with the HTTP status each is sent with.
const (
	codeInvalidParam     = "INVALID_PARAMETER_VALUE"
	codeAlreadyExists    = "RESOURCE_ALREADY_EXISTS"
	codeDoesNotExist     = "RESOURCE_DOES_NOT_EXIST"
	codeBadRequest       = "BAD_REQUEST"
	codeEndpointNotFound = "ENDPOINT_NOT_FOUND"
	codeInternal         = "INTERNAL_ERROR"
	codePermissionDenied = "PERMISSION_DENIED"
	codeInvalidState     = "INVALID_STATE"
)

// apiError is an error the client sees as {"error_code", "message"}.
type apiError struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func (e *apiError) status() int {
	switch e.Code {
	case codeDoesNotExist, codeEndpointNotFound:
		return http.StatusNotFound
	case codePermissionDenied:
		return http.StatusForbidden
	case codeInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *apiError {
	return errorf(codeInvalidParam, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(codeDoesNotExist, format, args...)
}

// maxBody bounds a JSON request body (a log-batch of 1,000 metrics is far
// below it).
const maxBody = 16 << 20

// request is the fields of one call: the JSON body of a POST, PATCH or
// DELETE, or the query string of a GET. Unknown fields are ignored.
type request struct {
	body  map[string]json.RawMessage
	query url.Values
}

func readRequest(r *http.Request) (*request, *apiError) {
	if r.Method == http.MethodGet {
		return &request{query: r.URL.Query()}, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errorf(codeBadRequest, "read request body: %v", err)
	}
	if len(data) > maxBody {
		return nil, errorf(codeBadRequest, "request body is larger than %d bytes", maxBody)
	}
	req := &request{}
	if len(bytes.TrimSpace(data)) == 0 {
		return req, nil
	}
	if err := json.Unmarshal(data, &req.body); err != nil {
		return nil, errorf(codeBadRequest, "malformed JSON request body: %v", err)
	}
	return req, nil
}

// has reports whether the request sets field.
func (q *request) has(field string) bool {
	if q.query != nil {
		_, ok := q.query[field]
		return ok
	}
	raw, ok := q.body[field]
	return ok && string(raw) != "null"
}

// str returns a string field; "" when absent.
func (q *request) str(field string) (string, *apiError) {
	if q.query != nil {
		return q.query.Get(field), nil
	}
	raw, ok := q.body[field]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid("field %q must be a string", field)
	}
	return s, nil
}

// plainString reads a JSON string without escapes, the common case (ids,
// keys), without the decoder.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c < 0x20 || c == '\\' || c == '"' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// required returns a string field that must be set and not empty.
func (q *request) required(field string) (string, *apiError) {
	s, err := q.str(field)
	if err == nil && s == "" {
		err = invalid("Missing value for required parameter '%s'.", field)
	}
	return s, err
}

// runID returns run_id, or the deprecated run_uuid the client sends beside it.
func (q *request) runID() (string, *apiError) {
	id, err := q.str("run_id")
	if err != nil || id != "" {
		return id, err
	}
	return q.required("run_uuid")
}

// scalar is the text of a number field: from the query string, or the JSON
// body's number or string; false when it is absent or null.
func (q *request) scalar(field string) (string, bool) {
	if q.query != nil {
		return q.query.Get(field), q.has(field)
	}
	raw, present := q.body[field]
	if !present || string(raw) == "null" {
		return "", false
	}
	return strings.Trim(string(raw), `"`), true
}

// int64 returns an int64 field, a JSON number or a decimal string (as
// protobuf's JSON allows); ok is false when absent.
func (q *request) int64(field string) (n int64, ok bool, aerr *apiError) {
	s, ok := q.scalar(field)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), true, nil
		}
		return 0, false, invalid("field %q must be an integer, got %s", field, s)
	}
	return n, true, nil
}

// float returns a double field (a JSON number, or a string such as "1.5").
func (q *request) float(field string) (float64, bool, *apiError) {
	s, ok := q.scalar(field)
	if !ok {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, invalid("field %q must be a number, got %s", field, s)
	}
	return f, true, nil
}

// strs returns a repeated string field: repeated keys in a query string
// (?stages=None&stages=Production), a JSON array in a body.
func (q *request) strs(field string) ([]string, *apiError) {
	if q.query != nil {
		return q.query[field], nil
	}
	raw, ok := q.body[field]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, invalid("field %q must be a list of strings", field)
	}
	return out, nil
}

// object decodes a field holding a JSON value (lists of key/values, metrics).
func (q *request) object(field string, v any) *apiError {
	if q.query != nil {
		if s := q.query.Get(field); s != "" {
			if err := json.Unmarshal([]byte(s), v); err != nil {
				return invalid("field %q: %v", field, err)
			}
		}
		return nil
	}
	raw, ok := q.body[field]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return invalid("field %q: %v", field, err)
	}
	return nil
}

// keyValue is MLflow's {key, value} (params and tags).
type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// writeJSON sends v with status 200; v is a response message.
func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, errorf(codeInternal, "encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

var emptyObject = []byte("{}")

func writeEmpty(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(emptyObject)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errorf(codeInternal, "%v", err)
	}
	data, _ := json.Marshal(ae)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.status())
	_, _ = w.Write(data)
}
