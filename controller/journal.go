package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/mlcd-dev/mlcd/journal"
)

// The deployment journal, deployments/<model>.yaml, is mlcd's output: it
// says what mlcd served and refused, and decides nothing. mlcd remembers
// what it last wrote to each journal; an edit or a deletion by anyone else
// is reported, and mlcd's next entry is added to its own copy.

// journalMark is what mlcd last wrote to one journal.
type journalMark struct {
	SHA256 string `json:"sha256"`
	Commit string `json:"commit"` // the commit that wrote it
}

// loadJournal reads journal.json in the state folder: per model, what mlcd
// last wrote to its journal.
func (s stateDir) loadJournal() (map[string]journalMark, error) {
	marks := map[string]journalMark{}
	return marks, s.loadJSON("journal.json", &marks)
}

func (s stateDir) saveJournal(marks map[string]journalMark) error {
	return s.saveJSON("journal.json", marks)
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// publishEvent appends ev to deployments/<model>.yaml on the branch; an
// event already there (a retried publish) is not added twice.
func (c *Controller) publishEvent(ctx context.Context, model string, ev journal.Event) error {
	msg := fmt.Sprintf("mlcd: %s %s v%d", ev.Kind, model, ev.Version)
	err := c.publishJournal(ctx, model, msg, func(rec *journal.Record, _ fs.FS) (map[string][]byte, error) {
		if !hasEvent(rec, ev) {
			rec.Append(ev)
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("record the %s of %s v%d: %w", ev.Kind, model, ev.Version, err)
	}
	return nil
}

// publishJournal commits model's journal as edit leaves it, with the other
// files edit returns, and remembers what it wrote.
func (c *Controller) publishJournal(ctx context.Context, model, msg string, edit func(*journal.Record, fs.FS) (map[string][]byte, error)) error {
	name := journal.Path(model)
	marks, err := c.state.loadJournal()
	if err != nil {
		return err
	}
	var wrote []byte
	build := func(ctx context.Context, tip fs.FS) (map[string][]byte, error) {
		rec, err := c.journalBase(ctx, marks, tip, model)
		if err != nil {
			return nil, err
		}
		files, err := edit(rec, tip)
		if err != nil {
			return nil, err
		}
		if files == nil {
			files = map[string][]byte{}
		}
		wrote = journal.Marshal(rec)
		files[name] = wrote
		return files, nil
	}
	commit, err := c.repo.Publish(ctx, msg, build)
	if err != nil {
		return err
	}
	marks[model] = journalMark{SHA256: digestOf(wrote), Commit: commit}
	return c.state.saveJournal(marks)
}

// journalBase is the record to add to: the tip's when it is what mlcd
// last wrote (or mlcd has no memory of writing it), else mlcd's own copy.
func (c *Controller) journalBase(ctx context.Context, marks map[string]journalMark, tip fs.FS, model string) (*journal.Record, error) {
	name := journal.Path(model)
	data, err := fs.ReadFile(tip, name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	exists := err == nil
	mark, known := marks[model]
	switch {
	case known && (!exists || digestOf(data) != mark.SHA256):
		c.reportJournal(model, "was changed or removed outside mlcd; mlcd writes its own copy again")
		if own, err := c.repo.ReadFile(ctx, mark.Commit, name); err == nil {
			data, exists = own, true
		}
	case !known && !exists:
		if own, at := c.lastJournal(ctx, name); own != nil {
			c.reportJournal(model, fmt.Sprintf("was removed by commit %s; mlcd restores it", short(at)))
			data, exists = own, true
		}
	}
	if !exists {
		return journal.NewRecord(model), nil
	}
	rec, err := journal.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s on the branch is invalid, fix it so mlcd can record in it: %w", name, err)
	}
	return rec, nil
}

// lastJournal is the journal as it stood before the commit that removed
// it from the branch, and that commit; nil when it never existed.
func (c *Controller) lastJournal(ctx context.Context, name string) ([]byte, string) {
	tip, err := c.repo.ResolveRef(ctx, c.cfg.Branch)
	if err != nil {
		return nil, ""
	}
	changed, _, err := c.repo.FirstParentChanges(ctx, tip, "", name, 0)
	if err != nil || len(changed) == 0 || len(changed[0].Parents) == 0 {
		return nil, ""
	}
	data, err := c.repo.ReadFile(ctx, changed[0].Parents[0], name)
	if err != nil {
		return nil, ""
	}
	return data, changed[0].Hash
}

// checkJournals reports each journal at the branch's tip that is not what
// mlcd last wrote to it.
func (c *Controller) checkJournals(ctx context.Context) {
	head, err := c.repo.ResolveRef(ctx, c.cfg.Branch)
	if err != nil {
		return
	}
	marks, err := c.state.loadJournal()
	if err != nil {
		c.status.addError(err)
		return
	}
	for model, mark := range marks {
		data, err := c.repo.ReadFile(ctx, head, journal.Path(model))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.reportJournal(model, "was removed outside mlcd; it decides nothing, and mlcd restores it with its next entry")
		case err == nil && digestOf(data) != mark.SHA256:
			c.reportJournal(model, "was changed outside mlcd; it decides nothing, and mlcd writes its own copy again with its next entry")
		}
	}
}

// reportJournal logs and shows an edit of a journal, once per kind of edit.
func (c *Controller) reportJournal(model, what string) {
	key := model + " " + what
	if c.journalSeen[key] {
		return
	}
	if c.journalSeen == nil {
		c.journalSeen = map[string]bool{}
	}
	c.journalSeen[key] = true
	msg := fmt.Sprintf("%s %s", journal.Path(model), what)
	c.log.Warn("deployment journal edited", "model", model, "what", msg)
	c.status.addError(errors.New(msg))
}

// hasEvent reports whether rec holds ev already (a retried publish);
// refusals of one commit are told apart by their reasons.
func hasEvent(rec *journal.Record, ev journal.Event) bool {
	for _, e := range rec.History {
		if e.Kind == ev.Kind && e.Version == ev.Version && e.Commit == ev.Commit && (ev.Kind != journal.KindRefusal || e.Reason == ev.Reason) {
			return true
		}
	}
	return false
}
