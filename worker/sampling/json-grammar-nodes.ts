// Prepares a GrammarNode tree for byte-level matching: literal and key texts as UTF-8 bytes, pattern
// automata, node ids (for state keys) and the fewest bytes each node or object tail can be written in
// (for the max_tokens budget). `any` becomes a cyclic anyOf of every JSON value type.
import type { GrammarNode } from "../../shared/structured-output/schema-grammar.ts";
import { numberMinLength, type NumberRule } from "./json-number.ts";
import { PatternDfa } from "./pattern-dfa.ts";

export type MatchNode =
  | ObjectMatchNode
  | { kind: "array"; id: number; minLength: number; items: MatchNode; minItems: number; maxItems: number | null }
  | StringMatchNode
  | ({ kind: "number"; id: number; minLength: number } & NumberRule)
  | { kind: "literal"; id: number; minLength: number; texts: Uint8Array[] }
  | { kind: "anyOf"; id: number; minLength: number; options: MatchNode[] };

export interface StringMatchNode {
  kind: "string";
  id: number;
  minLength: number;
  minChars: number;
  maxChars: number | null;
  dfa: PatternDfa | null;
}

export interface ObjectMatchNode {
  kind: "object";
  id: number;
  minLength: number;
  /** Keys as JSON text bytes, quotes included. Empty with freeKeys. */
  properties: Array<{ key: Uint8Array; required: boolean; value: MatchNode }>;
  freeKeys: boolean;
  /** With freeKeys: the `any` node its values are. */
  anyValue?: MatchNode;
  /** afterValue[i]: fewest bytes to close after a value when the next property index is i. */
  afterValue: number[];
  /** atKey[i]: fewest bytes from a position where a key must start, next property index i. */
  atKey: number[];
}

const encoder = new TextEncoder();

export function prepareGrammar(root: GrammarNode): MatchNode {
  let nextId = 0;
  const id = () => nextId++;
  // `any`: shared cyclic node (object values and array items are `any` again).
  const any: Extract<MatchNode, { kind: "anyOf" }> = { kind: "anyOf", id: id(), minLength: 1, options: [] };
  const freeString: StringMatchNode = { kind: "string", id: id(), minLength: 2, minChars: 0, maxChars: null, dfa: null };
  const freeObject: ObjectMatchNode = { kind: "object", id: id(), minLength: 2, properties: [], freeKeys: true, afterValue: [1], atKey: [5] };
  freeObject.anyValue = any;
  any.options.push(
    freeObject,
    { kind: "array", id: id(), minLength: 2, items: any, minItems: 0, maxItems: null },
    freeString,
    { kind: "number", id: id(), minLength: 1, integer: false, minimum: null, maximum: null },
    { kind: "literal", id: id(), minLength: 4, texts: ["true", "false", "null"].map((t) => encoder.encode(t)) },
  );

  const prepare = (node: GrammarNode): MatchNode => {
    switch (node.kind) {
      case "any":
        return any;
      case "object":
        return node.freeKeys ? freeObject : prepareObject(id(), node.properties.map((p) => ({ key: encoder.encode(JSON.stringify(p.name)), required: p.required, value: prepare(p.value) })));
      case "array": {
        const items = prepare(node.items);
        return { kind: "array", id: id(), items, minItems: node.minItems, maxItems: node.maxItems, minLength: 2 + node.minItems * items.minLength + Math.max(0, node.minItems - 1) };
      }
      case "string": {
        const dfa = node.pattern ? new PatternDfa(node.pattern) : null;
        const chars = Math.max(node.minLength, dfa ? dfa.distance(dfa.start) : 0);
        return { kind: "string", id: id(), minLength: 2 + chars, minChars: node.minLength, maxChars: node.maxLength, dfa };
      }
      case "number":
        return { kind: "number", id: id(), integer: node.integer, minimum: node.minimum, maximum: node.maximum, minLength: numberMinLength(node) };
      case "literal": {
        const texts = node.texts.map((t) => encoder.encode(t));
        return { kind: "literal", id: id(), texts, minLength: Math.min(...texts.map((t) => t.length)) };
      }
      case "anyOf": {
        const options = node.options.map(prepare);
        return { kind: "anyOf", id: id(), options, minLength: Math.min(...options.map((o) => o.minLength)) };
      }
    }
  };
  return prepare(root);
}

function prepareObject(id: number, properties: ObjectMatchNode["properties"]): ObjectMatchNode {
  const n = properties.length;
  const afterValue = new Array<number>(n + 1).fill(0);
  const atKey = new Array<number>(n + 1).fill(Infinity);
  // From the back: afterValue[i] = "}" when nothing required is left, else "," + a key position.
  for (let i = n; i >= 0; i--) {
    let best = Infinity;
    for (let j = i; j < n; j++) {
      const p = properties[j];
      best = Math.min(best, p.key.length + 1 + p.value.minLength + afterValue[j + 1]);
      if (p.required) break; // a later key cannot skip this required one
    }
    atKey[i] = best;
    afterValue[i] = noneRequiredFrom(properties, i) ? 1 : 1 + atKey[i];
  }
  const minLength = 1 + (noneRequiredFrom(properties, 0) ? 1 : atKey[0]);
  return { kind: "object", id, minLength, properties, freeKeys: false, afterValue, atKey };
}

export function noneRequiredFrom(properties: ObjectMatchNode["properties"], from: number): boolean {
  for (let j = from; j < properties.length; j++) if (properties[j].required) return false;
  return true;
}
