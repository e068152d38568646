import type Database from "better-sqlite3";

export interface Sighting {
  observerId: number;
  speciesCode: string;
  seenAt: string;
  howMany: number;
  note?: string;
}

export function recordSighting(db: Database.Database, s: Sighting): number {
  const result = db
    .prepare(
      `INSERT INTO sightings (observer_id, species_code, seen_at, how_many, note)
       VALUES (?, ?, ?, ?, ?)`,
    )
    .run(s.observerId, s.speciesCode, s.seenAt, s.howMany, s.note ?? null);
  return Number(result.lastInsertRowid);
}

export function recentSightings(db: Database.Database, observerId: number, limit = 20) {
  return db
    .prepare(
      `SELECT s.seen_at, sp.common_name, s.how_many, s.note
       FROM sightings s JOIN species sp ON sp.code = s.species_code
       WHERE s.observer_id = ?
       ORDER BY s.seen_at DESC
       LIMIT ?`,
    )
    .all(observerId, limit);
}

export function speciesTotals(db: Database.Database) {
  return db.prepare("SELECT species_code, total, last_seen FROM species_totals").all();
}
