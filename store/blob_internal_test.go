package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// An upload's body fails its last read when what was read is not the
// object it was meant to be, so the upload never completes.
func TestCheckedReader(t *testing.T) {
	sum := sha256.Sum256([]byte("model v1"))
	want := Object{SHA256: hex.EncodeToString(sum[:]), Size: 8}
	for content, ok := range map[string]bool{"model v1": true, "model v2": false, "model v10": false, "model": false} {
		c := &checkedReader{r: io.LimitReader(strings.NewReader(content), want.Size+1), h: sha256.New(), want: want}
		_, err := io.ReadAll(c)
		if (err == nil) != ok {
			t.Errorf("reading %q as %s: err = %v", content, want.SHA256[:12], err)
		}
		if err != nil && errors.Is(err, io.EOF) {
			t.Errorf("reading %q: the error is io.EOF", content)
		}
	}
}
