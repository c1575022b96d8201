// Checks a real answer against the served OpenAPI document: its status is documented for that
// operation, its content type is the documented one, and a JSON body validates (ajv, 2020-12)
// against the documented schema, $refs into components included.
import { expect } from "vitest";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { openApiPath, type OpenApiDocument } from "../../api/openapi/openapi-document.ts";

export type ConformanceCheck = (res: Response, method: string, honoPath: string) => Promise<void>;

/** Component $refs rewritten to a schema registered under this id. */
const COMPONENTS_ID = "genq-components";

export function openApiConformance(doc: OpenApiDocument): ConformanceCheck {
  // Formats are not checked (ajv-formats is not a dependency); the patterns zod emits beside them are.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const rewrite = (schema: unknown) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${COMPONENTS_ID}#/$defs/`)) as Record<string, unknown>;
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewrite(doc.components.schemas) });
  const compiled = new Map<string, ValidateFunction>();

  return async (res, method, honoPath) => {
    const label = `${method.toUpperCase()} ${honoPath} → ${res.status}`;
    const operation = doc.paths[openApiPath(honoPath)]?.[method.toLowerCase()];
    expect(operation, `${label}: operation documented`).toBeDefined();
    const documented = operation.responses[String(res.status)];
    expect(documented, `${label}: status documented`).toBeDefined();
    const contentType = (res.headers.get("content-type") ?? "").split(";")[0].trim();
    const media = Object.keys(documented.content ?? {});
    if (media.length === 0) {
      expect(await res.text(), `${label}: documented without a body`).toBe("");
      return;
    }
    const mediaType = media.find((m) => m.split(";")[0].trim() === contentType);
    expect(mediaType, `${label}: content type ${contentType} documented (${media.join(", ")})`).toBeDefined();
    if (!/json$/.test(contentType)) return;
    const key = `${label} ${mediaType}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(rewrite(documented.content[mediaType!].schema));
      compiled.set(key, validate);
    }
    const body: unknown = await res.json();
    const valid = validate(body);
    expect(valid ? [] : validate.errors, `${label}: body matches the documented schema: ${JSON.stringify(body).slice(0, 400)}`).toEqual([]);
  };
}
