// GET /docs: the OpenAPI document rendered as one self-contained HTML page (no scripts, no CDN,
// works offline): per operation its method, path, auth, parameters, body fields, answers and
// error codes (linked to /problems), then the shared schemas.
import { problemSlug, type ErrorCode } from "../../shared/errors.ts";
import type { JsonSchema } from "./route-doc.ts";
import type { OpenApiDocument } from "./openapi-document.ts";

const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** Escapes, then renders `code spans` (descriptions are written in that style). */
const prose = (text: unknown) => esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
const refName = (ref: string) => ref.split("/").pop() ?? ref;

/** A one-line type: `string`, `integer | "high"`, `array<Job>`, `Job`. */
export function typeLabel(schema: JsonSchema | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return "any";
  if (typeof schema.$ref === "string") return refName(schema.$ref);
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  for (const key of ["oneOf", "anyOf"] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as JsonSchema[]).map(typeLabel).join(" | ");
  }
  if (Array.isArray(schema.allOf)) return (schema.allOf as JsonSchema[]).map(typeLabel).filter((t) => t !== "any").join(" & ");
  // A discriminated variant reads better by its tag: `object (type "json_schema")`.
  const tag = (schema.properties as Record<string, JsonSchema> | undefined)?.type;
  if (schema.type === "object" && tag && "const" in tag) return `object (type ${JSON.stringify(tag.const)})`;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type ?? "any")];
  return types.map((t) => (t === "array" ? `array<${typeLabel(schema.items as JsonSchema)}>` : t)).join(" | ");
}

const CONSTRAINTS: [string, string][] = [
  ["minimum", "≥"], ["exclusiveMinimum", ">"], ["maximum", "≤"], ["exclusiveMaximum", "<"],
  ["minLength", "min length"], ["maxLength", "max length"], ["minItems", "min items"], ["maxItems", "max items"],
  ["pattern", "pattern"], ["format", "format"], ["default", "default"],
];

function constraints(schema: JsonSchema): string {
  const parts = CONSTRAINTS.filter(([key]) => key in schema).map(([key, label]) => `${label} <code>${esc(typeof schema[key] === "string" && key !== "pattern" && key !== "format" ? JSON.stringify(schema[key]) : schema[key])}</code>`);
  return parts.join(", ");
}

/** An object's properties as table rows; nested objects get indented rows of their own. */
function propertyRows(schema: JsonSchema, prefix = "", depth = 0): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties)
    .map(([name, property]) => {
      const row = `<tr><td><code>${esc(prefix + name)}</code>${required.has(name) ? " <b>required</b>" : ""}</td><td><code>${esc(typeLabel(property))}</code></td><td>${constraints(property)}</td><td>${prose(property.description ?? "")}</td></tr>`;
      const nested = nestedObject(property);
      return row + (nested && depth < 3 ? propertyRows(nested, `${prefix}${name}.`, depth + 1) : "");
    })
    .join("");
}

function nestedObject(schema: JsonSchema): JsonSchema | undefined {
  if (schema.type === "object" && schema.properties) return schema;
  const items = schema.items as JsonSchema | undefined;
  if (items?.type === "object" && items.properties) return items;
  return undefined;
}

/** A components $ref links to the schema's section; anything else is its type label. */
function schemaLink(schema: JsonSchema): string {
  const ref = typeof schema.$ref === "string" ? schema.$ref : ((schema.allOf as JsonSchema[] | undefined)?.[0]?.$ref as string | undefined);
  return ref ? `<a href="#schema-${esc(refName(ref))}"><code>${esc(refName(ref))}</code></a>` : `<code>${esc(typeLabel(schema))}</code>`;
}

const table = (head: string[], rows: string) => (rows ? `<table><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>${rows}</table>` : "");

function schemaBlock(schema: JsonSchema): string {
  const variants = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  const rows = variants ? variants.map((v, i) => `<p>Variant ${i + 1}:</p>${table(["field", "type", "constraints", "description"], propertyRows(v))}`).join("") : table(["field", "type", "constraints", "description"], propertyRows(schema));
  return `${rows}<details><summary>JSON Schema</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Operation = Record<string, any>;

function operationSection(path: string, method: string, op: Operation): string {
  const security = (op.security as Record<string, string[]>[]).map((s) => Object.keys(s)[0] ?? "none").join(" or ") || "none";
  const params = ((op.parameters ?? []) as Operation[])
    .map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? " <b>required</b>" : ""}</td><td>${esc(p.in)}</td><td><code>${esc(typeLabel(p.schema))}</code> ${constraints(p.schema)}</td><td>${prose(p.description ?? "")}</td></tr>`)
    .join("");
  const [bodyType, bodyMedia] = (Object.entries(op.requestBody?.content ?? {}) as [string, Operation][])[0] ?? [];
  const body = bodyMedia?.schema as JsonSchema | undefined;
  const responses = Object.entries(op.responses as Record<string, Operation>)
    .map(([status, r]) => {
      const [type, media] = Object.entries((r.content ?? {}) as Record<string, Operation>)[0] ?? [];
      return `<tr><td>${esc(status)}</td><td>${prose(r.description)}</td><td>${type ? `<code>${esc(type)}</code>` : ""}</td><td>${media ? schemaLink(media.schema) : ""}</td></tr>`;
    })
    .join("");
  const codes = ((op["x-error-codes"] ?? []) as ErrorCode[]).map((code) => `<a href="problems/${problemSlug(code)}"><code>${code}</code></a>`).join(" ");
  return (
    `<section id="${esc(op.operationId)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>` +
    `<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ""}<p>Auth: ${esc(security)}</p>` +
    (params ? `<h4>Parameters</h4>${table(["name", "in", "schema", "description"], params)}` : "") +
    (body ? `<h4>Request body <code>${esc(bodyType)}</code></h4>${op.requestBody.description ? `<p>${prose(op.requestBody.description)}</p>` : ""}${schemaBlock(body)}` : "") +
    `<h4>Responses</h4>${table(["status", "description", "content", "schema"], responses)}<p>Error codes: ${codes}</p></section>`
  );
}

const STYLE =
  "body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex}nav{width:17rem;padding:1rem;border-right:1px solid #ddd;height:100vh;overflow:auto;position:sticky;top:0;font-size:13px}" +
  "main{padding:1rem 2rem;max-width:64rem}code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}" +
  "section{border-top:1px solid #ddd;margin-top:1.5rem}.m{font:600 12px monospace;padding:.1rem .4rem;border-radius:3px;color:#fff;background:#555}.get{background:#2b7}.post{background:#27c}.delete{background:#c33}pre{background:#f6f6f6;padding:.5rem;overflow:auto}";

export function renderDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const nav = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags as string[])[0];
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationSection(path, method, op)]);
      nav.set(tag, [...(nav.get(tag) ?? []), `<li><a href="#${esc(op.operationId)}">${esc(method.toUpperCase())} ${esc(path)}</a></li>`]);
    }
  }
  const schemas = Object.entries(doc.components.schemas as Record<string, JsonSchema>)
    .map(([name, schema]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(schema)}</section>`)
    .join("");
  const navHtml = [...nav].map(([tag, items]) => `<h4>${esc(tag)}</h4><ul>${items.join("")}</ul>`).join("") + `<h4>schemas</h4><ul>${Object.keys(doc.components.schemas).map((n) => `<li><a href="#schema-${esc(n)}">${esc(n)}</a></li>`).join("")}</ul>`;
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join("")}`).join("");
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>genq API reference</title><style>${STYLE}</style></head>` +
    `<body><nav><p><b>genq ${esc(doc.info.version)}</b></p><p><a href="openapi.json">openapi.json</a> · <a href="problems">problem types</a></p>${navHtml}</nav>` +
    `<main><h1>genq API reference</h1><p>${prose(doc.info.summary)}</p><p>${prose(doc.info.description)}</p>${sections}<h2>Schemas</h2>${schemas}</main></body></html>`
  );
}
