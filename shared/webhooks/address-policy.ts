// The SSRF guard's address rules: which IPs a webhook may reach. Loopback, private, link-local,
// CGNAT, ULA, IPv4-mapped, multicast, reserved and cloud-metadata addresses are refused unless
// GENQ_WEBHOOK_ALLOW_HOSTS names the host, the IP or a CIDR containing it.
import { isIP } from "node:net";

interface Range {
  bytes: Uint8Array;
  prefix: number;
  label: string;
}

// Order matters: the first match names the reason (metadata before link-local / ULA).
const BLOCKED: Array<[string, number, string]> = [
  ["169.254.169.254", 32, "cloud metadata"],
  ["0.0.0.0", 8, "'this network' (0.0.0.0/8)"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT (100.64/10)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
  ["fd00:ec2::254", 128, "cloud metadata"],
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::ffff:0:0", 96, "IPv4-mapped IPv6"],
  ["::", 96, "IPv4-compatible IPv6"],
  ["64:ff9b::", 96, "NAT64"],
  ["64:ff9b:1::", 48, "NAT64"],
  ["100::", 64, "discard"],
  ["2001:db8::", 32, "documentation"],
  ["fc00::", 7, "unique-local (ULA)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

/** 4 bytes for IPv4, 16 for IPv6 (zone ids dropped); undefined when not an IP literal. */
export function ipBytes(address: string): Uint8Array | undefined {
  const ip = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split(".").map(Number));
  if (family !== 6) return undefined;
  let text = ip.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (s: string | undefined) => (s ? s.split(":").filter((g) => g !== "").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...(rest !== undefined ? new Array(Math.max(0, missing)).fill(0) : []), ...right];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function toRange(address: string, prefix: number, label: string): Range {
  const bytes = ipBytes(address);
  if (!bytes || prefix < 0 || prefix > bytes.length * 8) throw new Error(`GENQ_WEBHOOK_ALLOW_HOSTS: bad CIDR "${address}/${prefix}"`);
  return { bytes, prefix, label };
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  const full = Math.floor(range.prefix / 8);
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rem = range.prefix % 8;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (bytes[full] & mask) === (range.bytes[full] & mask);
}

/** ::ffff:a.b.c.d -> a.b.c.d, so an allow-listed IPv4 also admits its mapped form. */
function unmapped(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.slice(12) : undefined;
}

const BLOCKED_RANGES = BLOCKED.map(([a, p, l]) => toRange(a, p, l));

export class WebhookAddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly allowed: Range[] = [];

  /** `allow`: GENQ_WEBHOOK_ALLOW_HOSTS entries: hostnames, IPs, or CIDRs (10.0.0.0/8, fd00::/8). */
  constructor(allow: string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const slash = entry.indexOf("/");
      if (slash > 0) {
        const address = entry.slice(0, slash);
        const prefix = Number(entry.slice(slash + 1));
        if (!ipBytes(address) || !/^\d{1,3}$/.test(entry.slice(slash + 1))) throw new Error(`GENQ_WEBHOOK_ALLOW_HOSTS: bad CIDR "${raw}"`);
        this.allowed.push(toRange(address, prefix, "allowed"));
      } else if (ipBytes(entry)) {
        const bytes = ipBytes(entry)!;
        this.allowed.push({ bytes, prefix: bytes.length * 8, label: "allowed" });
      } else {
        this.hosts.add(entry.replace(/\.$/, ""));
      }
    }
  }

  /** A hostname named in the allow list skips the address checks entirely. */
  isHostAllowed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, ""));
  }

  /** Why `address` may not be contacted, or null when it may. Non-IP input is refused. */
  refusal(address: string): string | null {
    const bytes = ipBytes(address);
    if (!bytes) return `${address} is not an IP address`;
    const v4 = unmapped(bytes);
    if (this.allowed.some((r) => inRange(bytes, r) || (v4 !== undefined && inRange(v4, r)))) return null;
    const hit = BLOCKED_RANGES.find((r) => inRange(bytes, r));
    return hit ? `${address} is ${hit.label}` : null;
  }
}
