// Fewest bytes that would close a matcher thread's JSON from where it stands (the max_tokens budget
// check): per frame the shortest way to finish it, from the node lengths prepareGrammar computed.
import { numberMinRest } from "./json-number.ts";
import { noneRequiredFrom } from "./json-grammar-nodes.ts";
import { Phase, type Frame } from "./json-grammar-frames.ts";

export function closeCost(top: Frame): number {
  let total = 0;
  for (let f: Frame | null = top; f !== null; f = f.parent) {
    total += frameClose(f);
    // A key frame's estimate already covers the rest of its object.
    if (f.k === "key") f = f.parent;
  }
  return total;
}

function frameClose(f: Frame): number {
  switch (f.k) {
    case "root":
      return f.done ? 0 : f.node.minLength;
    case "obj": {
      const { node } = f;
      if (node.freeKeys) return [1, 3, 2, 1, 5][f.phase];
      const chosen = node.properties[f.idx];
      switch (f.phase) {
        case Phase.Open:
          return noneRequiredFrom(node.properties, f.idx) ? 1 : node.atKey[f.idx];
        case Phase.Comma:
          return node.atKey[f.idx];
        case Phase.Colon:
          return 1 + chosen.value.minLength + node.afterValue[f.idx + 1];
        case Phase.Value:
          return chosen.value.minLength + node.afterValue[f.idx + 1];
        default:
          return node.afterValue[f.idx];
      }
    }
    case "key": {
      const { node } = f.parent;
      let best = Infinity;
      for (const c of f.cands) {
        const p = node.properties[c];
        best = Math.min(best, p.key.length - f.pos + 1 + p.value.minLength + node.afterValue[c + 1]);
      }
      return best;
    }
    case "arr": {
      const need = Math.max(0, f.node.minItems - f.count);
      const item = f.node.items.minLength;
      if (f.phase === Phase.Comma) return Math.max(need, 1) * (item + 1);
      return need === 0 ? 1 : need * (item + 1) + (f.phase === Phase.Open ? 0 : 1);
    }
    case "str": {
      const pending = f.utf8 > 0 ? f.utf8 : f.esc === 1 ? 1 : f.esc >= 2 ? 6 - f.esc : 0;
      const inChar = pending > 0 ? 1 : 0;
      const distance = f.node.dfa ? f.node.dfa.distance(f.dfa) : 0;
      return pending + Math.max(0, f.node.minChars - f.count - inChar, distance - inChar) + 1;
    }
    case "num":
      return numberMinRest(f.node, f.st);
    case "lit": {
      let best = Infinity;
      for (const c of f.cands) best = Math.min(best, f.node.texts[c].length - f.pos);
      return best;
    }
  }
}
