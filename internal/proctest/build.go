package proctest

import (
	"os/exec"
	"testing"
)

// BuildMlcd builds the mlcd command into the file dst, for tests that run
// it as a user does; the test fails with the compiler's output if it does
// not build.
func BuildMlcd(t testing.TB, dst string) string {
	t.Helper()
	if out, err := exec.Command("go", "build", "-o", dst, "github.com/mlcd-dev/mlcd/cmd/mlcd").CombinedOutput(); err != nil {
		t.Fatalf("build mlcd: %v\n%s", err, out)
	}
	return dst
}
