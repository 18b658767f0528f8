package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// sklearnGroup trains the random forest and serves it with mlcd's sklearn
// flavor and by the peer; each must answer model.predict's label for every
// held-out row, sent as concurrent single-row requests (so mlcd batches
// them).
func sklearnGroup(ctx context.Context, cfg config, dir string, log *slog.Logger) (*group, error) {
	if err := train(ctx, dir, "train_sklearn.py"); err != nil {
		return nil, err
	}
	model := filepath.Join(dir, "rf.pkl")
	body, err := os.ReadFile(filepath.Join(dir, "rf_body.json"))
	if err != nil {
		return nil, err
	}
	g := &group{title: "scikit-learn RandomForestClassifier, 200 trees of depth 10, 20 features", body: body}
	url, stop, err := nativeSklearn(ctx, model, cfg.workers, log)
	if err != nil {
		return nil, err
	}
	g.stop = append(g.stop, stop)
	g.targets = append(g.targets, target{"mlcd (sklearn flavor, " + strconv.Itoa(cfg.workers) + " worker)", url})
	if err := g.addPeer(ctx, cfg, dir, model); err != nil {
		g.close()
		return nil, err
	}
	if err := sameLabels(ctx, g.targets, dir); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// sameLabels sends every held-out row as its own request, all at once, to
// each target and compares each answer with model.predict's label.
func sameLabels(ctx context.Context, targets []target, dir string) error {
	var rows struct {
		Columns []string    `json:"columns"`
		Rows    [][]float64 `json:"rows"`
	}
	var want []float64
	for name, v := range map[string]any{"rf_rows.json": &rows, "rf_expected.json": &want} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, t := range targets {
		errc := make(chan error, len(rows.Rows))
		for i, row := range rows.Rows {
			go func() {
				errc <- checkRow(ctx, t, rows.Columns, row, want[i])
			}()
		}
		for range rows.Rows {
			if err := <-errc; err != nil {
				return err
			}
		}
	}
	return nil
}

func checkRow(ctx context.Context, t target, columns []string, row []float64, want float64) error {
	body, _ := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": columns, "data": [][]float64{row}}})
	resp, err := score(ctx, t.url, body)
	if err != nil {
		return err
	}
	var v struct{ Predictions []float64 }
	if err := json.Unmarshal([]byte(resp), &v); err != nil || len(v.Predictions) != 1 {
		return fmt.Errorf("%s answered %s", t.name, resp)
	}
	if v.Predictions[0] != want {
		return fmt.Errorf("%s predicts %v for row %v, model.predict %v", t.name, v.Predictions[0], row, want)
	}
	return nil
}
