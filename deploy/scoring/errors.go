package scoring

import (
	"fmt"
	"net/http"
)

// Error codes, as MLflow's scoring server names them.
const (
	CodeBadRequest        = "BAD_REQUEST"
	CodeInternal          = "INTERNAL_ERROR"
	CodeRequestTooLarge   = "REQUEST_LIMIT_EXCEEDED"
	CodeDeadlineExceeded  = "DEADLINE_EXCEEDED"
	CodeUnsupportedMedia  = "UNSUPPORTED_MEDIA_TYPE"
	CodeMethodNotAllowed  = "METHOD_NOT_ALLOWED"
	CodeEndpointNotFound  = "ENDPOINT_NOT_FOUND"
	CodeUnavailable       = "TEMPORARILY_UNAVAILABLE"
	requiredInputFormat   = "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"
	scoringProtocolChange = "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format."
)

// Error is a request the server refuses: the HTTP status, MLflow's
// error_code and a message for the client. Every error Decode returns is an
// *Error with a 4xx status.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// badRequest is a 400 BAD_REQUEST with a formatted message.
func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// unsupportedMedia is MLflow's 415 answer; its body is plain text.
func unsupportedMedia(msg string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMedia, Message: msg}
}
