// Joins several Prometheus text expositions into one valid exposition: samples of one metric
// family from every source end up under that family's single HELP/TYPE header (the format
// forbids a family appearing twice), in first-seen order. Used where one /metrics shows the API,
// the process and the in-process workers' registries together.

interface Family {
  header: string[];
  samples: string[];
}

/** The family a sample line belongs to, given the families declared so far (histogram/summary suffixes included). */
function familyOf(sampleName: string, families: Map<string, Family>): string {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of ["_bucket", "_sum", "_count", "_total", "_created"]) {
    if (sampleName.endsWith(suffix) && families.has(sampleName.slice(0, -suffix.length))) return sampleName.slice(0, -suffix.length);
  }
  return sampleName;
}

export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { header: [], samples: [] }));
    return f;
  };
  for (const text of texts) {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        const f = family(meta[2]);
        if (!f.header.some((h) => h.startsWith(`# ${meta[1]} `))) f.header.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      if (name) family(familyOf(name, families)).samples.push(line);
    }
  }
  const out: string[] = [];
  for (const f of families.values()) out.push(...f.header, ...f.samples);
  return out.join("\n") + "\n";
}
