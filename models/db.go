package models

import (
	"fmt"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// dbState is the database: its schema version, the migrations applied, and
// a table lock.
type dbState struct {
	schema      int
	lockedUntil sim.Time
	applied     []applied
}

type applied struct {
	spec   MigrationSpec
	at     sim.Time
	writes int64 // writes counted when it ran, to count what a revert loses
}

func (w *World) migration(name string) (MigrationSpec, error) {
	for _, m := range w.cfg.DB.Migrations {
		if m.Name == name {
			if m.Duration == 0 {
				m.Duration = defaultMigrationDuration
			}
			if m.RevertDuration == 0 {
				m.RevertDuration = m.Duration
			}
			return m, nil
		}
	}
	return MigrationSpec{}, fmt.Errorf("migration %q: %w", name, strategies.ErrNotFound)
}

// migrate runs migration name from process p, blocking for its duration.
// The schema changes when it commits, at the end; a locking migration
// holds the lock throughout.
func (w *World) migrate(p *sim.Proc, name string) error {
	m, err := w.migration(name)
	if err != nil {
		return err
	}
	for _, a := range w.db.applied {
		if a.spec.Name == name {
			return fmt.Errorf("migration %q: already applied", name)
		}
	}
	w.mark("db", "migrate %s (%s)", name, m.Kind)
	if m.Lock {
		w.db.lockedUntil = p.Now().Add(m.Duration)
	}
	p.Sleep(m.Duration)
	w.db.schema++
	w.db.applied = append(w.db.applied, applied{spec: m, at: p.Now(), writes: w.meter.writes})
	w.changed.Notify()
	return nil
}

// revert runs the down-migration of name, which must be the last applied.
func (w *World) revert(p *sim.Proc, name string) error {
	n := len(w.db.applied)
	if n == 0 || w.db.applied[n-1].spec.Name != name {
		return fmt.Errorf("migration %q: not the last applied migration", name)
	}
	a := w.db.applied[n-1]
	if a.spec.Irreversible {
		w.mark("db", "revert %s impossible: irreversible", name)
		return fmt.Errorf("migration %q: %w", name, strategies.ErrIrreversible)
	}
	w.mark("db", "revert %s", name)
	if a.spec.Lock {
		w.db.lockedUntil = p.Now().Add(a.spec.RevertDuration)
	}
	p.Sleep(a.spec.RevertDuration)
	if a.spec.LosesData {
		lost := w.meter.writes - a.writes
		w.meter.dataErrors += lost
		w.mark("db", "revert %s lost %d writes", name, lost)
	}
	w.db.schema--
	w.db.applied = w.db.applied[:n-1]
	w.changed.Notify()
	return nil
}

// flagIndex returns the slot of a feature flag, creating it.
func (w *World) flagIndex(name string) int8 {
	for k, n := range w.flagNames {
		if n == name {
			return int8(k)
		}
	}
	w.flagNames = append(w.flagNames, name)
	w.flagPct = append(w.flagPct, 0)
	return int8(len(w.flagNames) - 1)
}

// flagOn reports whether flag k is on for user u: users are ordered by a
// stable cohort position, so raising the percentage only adds users.
func (w *World) flagOn(k int8, u int32) bool {
	return w.cohort(u) < w.flagPct[k]
}
