// Reads a Prometheus text exposition for assertions: its samples (name, labels, value) and a
// format check (each family's HELP/TYPE once, before its samples; no family split in two).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Samples named `name` whose labels include `labels`. */
export function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** Sum of the matching samples' values (NaN when there is none: absent, not zero). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const matching = find(samples, name, labels);
  return matching.length === 0 ? NaN : matching.reduce((n, s) => n + s.value, 0);
}

/** Families declared (`# TYPE`) in the exposition. Throws when one is declared twice or split. */
export function declaredFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  const closed = new Set<string>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      if (families.has(type[1])) throw new Error(`family ${type[1]} declared twice`);
      if (current) closed.add(current);
      families.set(type[1], type[2]);
      current = type[1];
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    const family = [name, name.replace(/_(bucket|sum|count)$/, "")].find((n) => families.has(n));
    if (family && closed.has(family)) throw new Error(`family ${family} split: ${line}`);
  }
  return families;
}
