// If-None-Match as RFC 9110 defines it for GET: a list of entity tags or "*", compared weakly,
// so the W/ form a compressed answer carries still matches.
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  const mine = opaque(etag);
  return header.split(",").some((tag) => opaque(tag) === mine);
}
