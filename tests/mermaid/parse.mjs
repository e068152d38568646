// Reads a Mermaid diagram on stdin and parses it with Mermaid's own parser, the one GitHub
// renders with. Prints what the parser understood, as JSON: each entity with its label and
// attributes, and each relationship; a diagram Mermaid rejects exits 1 with its message.
import mermaid from "mermaid";

// Mermaid 11.3 (GitHub's) names an attribute's parts attributeType, ...; later ones type, ...
const attribute = (a) => ({
  type: a.type ?? a.attributeType,
  name: a.name ?? a.attributeName,
  keys: a.keys ?? a.attributeKeyTypeList ?? [],
  comment: a.comment ?? a.attributeComment ?? "",
});

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");
try {
  await mermaid.parse(text); // registers the diagram types, then parses
  const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
  const entities = [...db.getEntities().entries()];
  const byId = new Map(entities.map(([name, e]) => [e.id ?? name, name])); // later ones relate ids
  const out = {
    entities: entities.map(([name, e]) => ({ name, alias: e.alias, attributes: e.attributes.map(attribute) })),
    relationships: db.getRelationships().map((r) => ({ parent: byId.get(r.entityA) ?? r.entityA, child: byId.get(r.entityB) ?? r.entityB, label: r.roleA, parentEnd: r.relSpec.cardB, childEnd: r.relSpec.cardA })),
  };
  process.stdout.write(JSON.stringify(out));
} catch (error) {
  process.stderr.write(String(error.message ?? error) + "\n");
  process.exit(1);
}
