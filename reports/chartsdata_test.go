package reports

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestChartsData_HostileNamesStayData(t *testing.T) {
	const evil = `</script><script>alert(1)</script>` + "\u2028"
	names := newInterner(nil)
	r := &runRow{File: "runs/p/x.json", Pipeline: "p" + evil, ID: "x", Commit: "c1", Start: time.Unix(1772359200, 0),
		ParamKeys: nameIDs{names.id(evil)}, ParamVals: []string{evil},
		TaskParamKeys: nameIDs{names.id("train." + evil)}, TaskParamVals: []string{"3"},
		metricKeys: nameIDs{names.id("train." + evil), names.id("train.f1")}, metricVals: []float64{1.5, 0.25}}
	js := string(chartsData(chartPayload{metric: "f1", goal: "max", x: evil, cols: []string{"train." + evil, "train.f1"},
		promo: []string{"train.f1"}, params: []string{evil, "train." + evil}, rows: []*runRow{r},
		prod: map[string]bool{"runs/p/x.json\x00train": true}, names: names}))
	if strings.ContainsAny(js, "<>\u2028") {
		t.Errorf("chart data holds markup or a line separator: %s", js)
	}
	var got struct {
		Metric, Goal, X string
		Cols            []string
		Groups          [][]any
		Params          []string
		Commits         []string
		Runs            [][]any
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("chart data is not JSON: %v\n%s", err, js)
	}
	want := []any{"p" + evil + "/x", 1772359200.0, 0.0, "train", []any{"1.5", "0.25"}, []any{evil, "3"}}
	if len(got.Runs) != 1 {
		t.Fatalf("runs %v", got.Runs)
	}
	if diff := cmp.Diff(want, got.Runs[0][1:]); diff != "" || got.X != evil {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]any{{"f1", []any{1.0}}, {evil, []any{0.0}}}, got.Groups); diff != "" {
		t.Errorf("groups, the promotion metric first (-want +got):\n%s", diff)
	}
}
