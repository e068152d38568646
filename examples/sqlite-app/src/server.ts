import { createServer } from "node:http";
import { openDatabase } from "./db.js";
import { joinObserver } from "./observers.js";
import { recentSightings, speciesTotals } from "./sightings.js";

const db = openDatabase(process.env.FIELD_NOTES_DB ?? "field-notes.db");

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  res.setHeader("content-type", "application/json");
  if (url.pathname === "/totals") {
    res.end(JSON.stringify(speciesTotals(db)));
    return;
  }
  const observer = joinObserver(db, url.searchParams.get("handle") ?? "guest");
  res.end(JSON.stringify(recentSightings(db, observer)));
}).listen(Number(process.env.PORT ?? 3000));
