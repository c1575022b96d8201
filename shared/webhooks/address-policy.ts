// The SSRF guard's address rules: which IPs a webhook may reach. Loopback, private, link-local,
// CGNAT, ULA, multicast, reserved and cloud-metadata addresses are refused — also when embedded in
// an IPv6 address (mapped, translated, NAT64, 6to4, Teredo) — unless GENQ_WEBHOOK_ALLOW_HOSTS
// names the host, the IP or a CIDR containing it. Matching is node:net's BlockList.
import { BlockList, isIP } from "node:net";
import { embeddedIpv4 } from "./embedded-ipv4.ts";

interface Rule {
  label: string;
  list: BlockList;
}

// Order matters: the first match names the reason (metadata before link-local / ULA). IPv4
// rules also match IPv4-mapped IPv6 (BlockList does that); other embeddings are unpacked first.
const BLOCKED: Array<[string, string]> = [
  ["169.254.169.254/32", "cloud metadata"],
  ["0.0.0.0/8", "'this network' (0.0.0.0/8)"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "carrier-grade NAT (100.64/10)"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
  ["fd00:ec2::254/128", "cloud metadata"],
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  // Deprecated (RFC 4291); nothing legitimate lives there.
  ["::/96", "IPv4-compatible IPv6"],
  // Local-use NAT64 (RFC 8215): the operator picks where the IPv4 sits, so refuse it whole.
  ["64:ff9b:1::/48", "local-use NAT64"],
  ["100::/64", "discard"],
  ["2001:db8::/32", "documentation"],
  ["fc00::/7", "unique-local (ULA)"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local"],
  ["ff00::/8", "multicast"],
];

const RULES: Rule[] = BLOCKED.map(([cidr, label]) => ({ label, list: blockListOf([cidr]) }));

/** The address without brackets or zone id, and its family (0 when not an IP literal). */
function literal(address: string): { ip: string; family: 0 | 4 | 6 } {
  const ip = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  return { ip, family: isIP(ip) as 0 | 4 | 6 };
}

/** True when `address` is an IPv4 or IPv6 literal (brackets allowed). */
export function isIpLiteral(address: string): boolean {
  return literal(address).family !== 0;
}

/** A BlockList of IPs and CIDRs; throws on a malformed entry. */
function blockListOf(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf("/");
    const { ip, family } = literal(slash > 0 ? entry.slice(0, slash) : entry);
    const prefixText = slash > 0 ? entry.slice(slash + 1) : String(family === 4 ? 32 : 128);
    const prefix = Number(prefixText);
    if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`GENQ_WEBHOOK_ALLOW_HOSTS: bad CIDR "${entry}"`);
    }
    list.addSubnet(ip, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

export class WebhookAddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly allowed: BlockList;

  /** `allow`: GENQ_WEBHOOK_ALLOW_HOSTS entries: hostnames, IPs, or CIDRs (10.0.0.0/8, fd00::/8). */
  constructor(allow: string[] = []) {
    const addresses: string[] = [];
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes("/") || isIpLiteral(entry)) addresses.push(entry);
      else this.hosts.add(entry.replace(/\.$/, ""));
    }
    this.allowed = blockListOf(addresses);
  }

  /** A hostname named in the allow list skips the address checks entirely. */
  isHostAllowed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, ""));
  }

  /** Why `address` may not be contacted, or null when it may. Non-IP input is refused. */
  refusal(address: string): string | null {
    const { ip, family } = literal(address);
    if (family === 0) return `${address} is not an IP address`;
    if (this.isAllowed(ip, family)) return null;
    const own = blockedLabel(ip, family);
    if (own) return `${ip} is ${own}`;
    for (const inner of embeddedIpv4(ip)) {
      if (this.isAllowed(inner.address, 4)) continue;
      const label = blockedLabel(inner.address, 4);
      if (label) return `${ip} embeds ${inner.address} (${inner.via}), which is ${label}`;
    }
    return null;
  }

  private isAllowed(ip: string, family: 4 | 6): boolean {
    return this.allowed.check(ip, family === 4 ? "ipv4" : "ipv6");
  }
}

function blockedLabel(ip: string, family: 4 | 6): string | undefined {
  return RULES.find((r) => r.list.check(ip, family === 4 ? "ipv4" : "ipv6"))?.label;
}
