// The grammar side of structured outputs without a model: the bytes of real tokenizers' tokens
// (byte-level BPE and Llama-style byte fallback) match their decoders; the trie-walked, cached masks
// equal a token-by-token check; accepted texts parse and validate; unsupported keywords are named.
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { compileJsonSchema, JSON_OBJECT_GRAMMAR, UnsupportedSchemaError } from "../../shared/structured-output/schema-grammar.ts";
import { hasAllowed, isAllowed, JsonConstraint } from "../../worker/sampling/json-constraint.ts";
import { JsonGrammarMasks } from "../../worker/sampling/json-grammar-masks.ts";
import { TokenVocabulary } from "../../worker/sampling/token-vocabulary.ts";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/tokenizers/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
const FIXTURES = ["byte-level-bpe", "llama-byte-fallback"].map((name) => {
  const json = fixture(name);
  const size = Math.max(...Object.values((json.model as { vocab: Record<string, number> }).vocab), ...(json.added_tokens as Array<{ id: number }>).map((t) => t.id)) + 1;
  return { name, json, size, tokenizer: new Tokenizer(json, {}), vocabulary: TokenVocabulary.fromTokenizerJson(json, size) };
});
const decoder = new TextDecoder("utf-8", { fatal: true });

const SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 6 },
    age: { type: "integer", minimum: 1, maximum: 99 },
    tags: { type: "array", items: { enum: ["a", "bc"] }, maxItems: 2 },
    extra: { anyOf: [{ type: "null" }, { type: "number", minimum: -2, maximum: 2 }] },
  },
  required: ["name", "age"],
};

describe.each(FIXTURES)("$name tokenizer", ({ json, size, tokenizer, vocabulary }) => {
  it("token bytes equal what the decoder writes after another token", () => {
    const vocab = (json.model as { vocab: Record<string, number> }).vocab;
    const anchor = vocab.a;
    let checked = 0;
    for (let id = 0; id < size; id++) {
      const bytes = vocabulary.bytes[id];
      if (!bytes) continue;
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        continue; // part of a multi-byte character: checked below
      }
      // Without the " ," -> "," clean-up some tokenizer configs ask for (a decode-time rewrite).
      expect(tokenizer.decode([anchor, id], { skip_special_tokens: true, clean_up_tokenization_spaces: false }), `token ${id}`).toBe("a" + text);
      checked++;
    }
    expect(checked).toBeGreaterThan(size / 2);
    // Multi-byte characters from single-byte tokens: é = C3 A9.
    const byteIds = [0xc3, 0xa9].map((b) => vocabulary.bytes.findIndex((t) => t?.length === 1 && t[0] === b));
    expect(tokenizer.decode([anchor, ...byteIds], { skip_special_tokens: true })).toBe("aé");
    // Special tokens write nothing.
    for (const added of json.added_tokens as Array<{ id: number; special: boolean }>) if (added.special) expect(vocabulary.bytes[added.id]).toBeNull();
  });

  it("cached trie masks = checking every token alone, along random walks; the text validates", () => {
    const masks = new JsonGrammarMasks(compileJsonSchema(SCHEMA), vocabulary, [2]);
    const validate = new Ajv().compile(SCHEMA);
    let rng = 12345;
    let completed = 0;
    for (let walk = 0; walk < 12; walk++) {
      const constraint = new JsonConstraint(masks);
      const bytes: number[] = [];
      for (let step = 0; step < 80; step++) {
        const { mask } = constraint.allowed(80 - step - 1);
        expect(hasAllowed(mask)).toBe(true);
        const state = (constraint as unknown as { state: Parameters<typeof masks.matcher.advance>[0] }).state;
        if (step % 10 === 0) {
          const { mask: unbudgeted } = constraint.allowed(1e9);
          for (let id = 0; id < size; id++) {
            const tokenBytes = vocabulary.bytes[id];
            let s = state;
            if (tokenBytes) for (const b of tokenBytes) if (s.length > 0) s = masks.matcher.advance(s, b);
            const alone = id === 2 ? masks.matcher.canEnd(state) : tokenBytes !== null && s.length > 0;
            expect(isAllowed(unbudgeted, id), `walk ${walk} step ${step} token ${id}`).toBe(alone);
          }
        }
        const allowed = [...Array(size).keys()].filter((id) => isAllowed(mask, id));
        rng = (rng * 1103515245 + 12345) & 0x7fffffff;
        const id = allowed[rng % allowed.length];
        const result = constraint.accept(id);
        if (id !== 2) bytes.push(...vocabulary.bytes[id]!);
        if (result !== "continue") {
          const value = JSON.parse(decoder.decode(Uint8Array.from(bytes))) as unknown;
          expect(validate(value), ajvText(validate.errors)).toBe(true);
          completed++;
          break;
        }
      }
    }
    // The length budget closes every walk within its 80 tokens.
    expect(completed).toBe(12);
    expect(masks.hits).toBeGreaterThan(0);
  });

  // Free-form string states take their plain tokens from a per-vocabulary bitset and walk only the
  // rest of the trie: the mask and every token's close cost must equal advancing token by token.
  it.each([
    ["a free string", compileJsonSchema({ type: "object", properties: { s: { type: "string" } }, required: ["s"] }), ['{"s":"', '{"s":"ab', '{"s":"a\\n', '{"s":"\u00e9']],
    ["a long bounded string", compileJsonSchema({ type: "object", properties: { s: { type: "string", minLength: 2, maxLength: 60 } } }), ['{"s":"', '{"s":"abc', '{"s":"' + "x".repeat(52)]],
    ["json_object keys and values", JSON_OBJECT_GRAMMAR, ['{"', '{"k', '{"k":"', '{"k":["v']],
  ])("masks inside %s equal the token-by-token check", (_label, grammar, prefixes) => {
    const masks = new JsonGrammarMasks(grammar, vocabulary, [2]);
    const { matcher } = masks;
    for (const prefix of prefixes) {
      let state = matcher.initial();
      for (const b of new TextEncoder().encode(prefix)) state = matcher.advance(state, b);
      expect(state.length, prefix).toBeGreaterThan(0);
      const entry = masks.entry(state);
      const changed = new Map([...entry.changedIds].map((id, i) => [id, entry.changedClose[i]]));
      let allowed = 0;
      for (let id = 0; id < size; id++) {
        const bytes = vocabulary.bytes[id];
        let next = state;
        if (bytes) for (const b of bytes) if (next.length > 0) next = matcher.advance(next, b);
        const alone = id === 2 ? matcher.canEnd(state) : bytes !== null && next.length > 0;
        expect(isAllowed(entry.mask, id), `${prefix} token ${id}`).toBe(alone);
        if (!alone || id === 2) continue;
        allowed++;
        const close = matcher.isDone(next) ? 0 : matcher.minClose(next);
        expect(changed.get(id) ?? entry.baseClose, `${prefix} close after token ${id}`).toBe(close);
      }
      expect(entry.allowedCount, prefix).toBe(allowed + (matcher.canEnd(state) ? 1 : 0));
    }
  });
});

function ajvText(errors: unknown): string {
  return JSON.stringify(errors);
}

describe("schema subset", () => {
  it.each([
    [{ type: "string", format: "email" }, "format"],
    [{ $ref: "#/x" }, "$ref"],
    [{ type: "object", properties: { a: { type: "integer", multipleOf: 2 } } }, "multipleOf"],
    [{ allOf: [{ type: "string" }] }, "allOf"],
    [{ type: "object", additionalProperties: { type: "string" } }, "additionalProperties"],
    [{ type: "string", pattern: "(a)\\1" }, "pattern"],
    [{ type: "string", minimum: 3 }, "minimum"],
    [{ enum: ["a"], maxLength: 3 }, "maxLength"],
    [{ type: "object", required: ["x"] }, "required"],
  ])("%j is refused naming %s", (schema, keyword) => {
    expect(() => compileJsonSchema(schema)).toThrow(UnsupportedSchemaError);
    try {
      compileJsonSchema(schema);
    } catch (error) {
      expect((error as UnsupportedSchemaError).keyword).toBe(keyword);
    }
  });

  it("annotations and type lists are accepted", () => {
    expect(() => compileJsonSchema({ title: "t", description: "d", type: ["string", "null"], maxLength: 3, default: "x" })).not.toThrow();
  });
});
