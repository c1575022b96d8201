// The IPv4 addresses an IPv6 address carries inside it (RFC 4291 mapped, RFC 6145 translated,
// RFC 6052 NAT64, RFC 3056 6to4, RFC 4380 Teredo): traffic to such an IPv6 address reaches that
// IPv4 host, so the SSRF guard must judge the embedded address by the IPv4 rules.
import { isIPv6 } from "node:net";

export interface EmbeddedIpv4 {
  /** Dotted quad. */
  address: string;
  /** How it is embedded, for messages. */
  via: string;
}

/** The IPv4 addresses embedded in `address` (an IPv6 literal; none for IPv4 or non-IPs). */
export function embeddedIpv4(address: string): EmbeddedIpv4[] {
  const b = ipv6Bytes(address);
  if (!b) return [];
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const quad = (at: number, xor = 0) => Array.from(b.subarray(at, at + 4), (x) => x ^ xor).join(".");
  const word = (at: number) => (b[at] << 8) | b[at + 1];
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated).
  if (zero(0, 10) && word(10) === 0xffff) return [{ address: quad(12), via: "IPv4-mapped" }];
  if (zero(0, 8) && word(8) === 0xffff && word(10) === 0) return [{ address: quad(12), via: "IPv4-translated" }];
  // 64:ff9b::a.b.c.d (the well-known NAT64 prefix, /96).
  if (word(0) === 0x64 && word(2) === 0xff9b && zero(4, 12)) return [{ address: quad(12), via: "NAT64" }];
  // 2002:AABB:CCDD::/48 (6to4): the site's IPv4 router.
  if (word(0) === 0x2002) return [{ address: quad(2), via: "6to4" }];
  // 2001:0000:<server v4>:<flags>:<port>:<client v4 XOR ffffffff> (Teredo).
  if (word(0) === 0x2001 && word(2) === 0) {
    return [
      { address: quad(4), via: "Teredo server" },
      { address: quad(12, 0xff), via: "Teredo client" },
    ];
  }
  return [];
}

/** 16 bytes of an IPv6 literal (brackets and zone id dropped), or undefined. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const ip = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (!isIPv6(ip)) return undefined;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const groups = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = groups(head);
  const right = groups(tail ?? "");
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}
