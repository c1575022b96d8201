// Validation of a batch input file, streamed line by line: every line checked (batch-line-check),
// custom_ids unique, one model for all lines. Collects up to MAX_PROBLEMS problems; yields to the
// event loop between slices so a 50,000-line file never blocks the API.
import { readInputLines } from "./batch-lines.ts";
import { checkLine, isProblem, type LineCheckContext, type LineProblem } from "./batch-line-check.ts";
import type { FileBlobs } from "../../shared/files/file-blobs.ts";

const MAX_PROBLEMS = 100;
const YIELD_EVERY_LINES = 200;

export type ValidationOutcome = { valid: true; total: number; model: string } | { valid: false; problems: LineProblem[] };

export async function validateInputFile(blobs: FileBlobs, fileId: string, context: LineCheckContext): Promise<ValidationOutcome> {
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  let total = 0;
  for await (const line of readInputLines(blobs, fileId)) {
    total++;
    if (total % YIELD_EVERY_LINES === 0) await new Promise((resolve) => setImmediate(resolve));
    if (problems.length >= MAX_PROBLEMS) continue;
    const checked = checkLine(line, context);
    if (isProblem(checked)) {
      problems.push(checked);
      continue;
    }
    if (seen.has(checked.customId)) {
      problems.push({ code: "duplicate_custom_id", message: `custom_id "${checked.customId}" is used by an earlier line`, line: line.lineNumber, param: "custom_id" });
      continue;
    }
    seen.add(checked.customId);
    model ??= checked.model;
    if (checked.model !== model) {
      problems.push({ code: "mismatched_model", message: `every line must use one model; this line uses "${checked.model}", earlier ones "${model}"`, line: line.lineNumber, param: "body.model" });
    }
  }
  if (total === 0) problems.push({ code: "empty_file", message: "the input file has no lines", line: 0, param: null });
  return problems.length > 0 || model === undefined ? { valid: false, problems } : { valid: true, total, model };
}
