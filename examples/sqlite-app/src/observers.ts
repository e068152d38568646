import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";

export function joinObserver(db: Database.Database, handle: string): number {
  db.prepare("INSERT OR IGNORE INTO observers (handle) VALUES (?)").run(handle);
  const row = db.prepare("SELECT id FROM observers WHERE handle = ?").get(handle) as { id: number };
  return row.id;
}

export function issueLoginToken(db: Database.Database, observerId: number): string {
  const token = randomBytes(24).toString("base64url");
  db.prepare(
    "INSERT INTO login_tokens (token, observer_id, expires_at) VALUES (?, ?, datetime('now', '+30 days'))",
  ).run(token, observerId);
  return token;
}

export function observerForToken(db: Database.Database, token: string): number | undefined {
  const row = db
    .prepare("SELECT observer_id FROM login_tokens WHERE token = ? AND expires_at >= datetime('now')")
    .get(token) as { observer_id: number } | undefined;
  return row?.observer_id;
}
