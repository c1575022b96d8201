// The SSRF rules without the network: address classes, the allow list (hosts, IPs, CIDRs) and
// the submit-time URL checks (scheme, credentials, literal IPs in every spelling).
import { describe, expect, it } from "vitest";
import { GenqError } from "../../shared/errors.ts";
import { WebhookAddressPolicy } from "../../shared/webhooks/address-policy.ts";
import { checkWebhookUrl } from "../../shared/webhooks/webhook-url-check.ts";

const closed = new WebhookAddressPolicy([]);

describe("address policy", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "cloud metadata"],
    ["fd12:3456::1", "unique-local"],
    ["fc00::1", "unique-local"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:0:127.0.0.1", "IPv4-translated), which is loopback"],
    ["::ffff:0:a00:1", "IPv4-translated), which is private"],
    ["64:ff9b::127.0.0.1", "NAT64), which is loopback"],
    ["64:ff9b::a9fe:a9fe", "NAT64), which is cloud metadata"],
    ["64:ff9b:1::8.8.8.8", "local-use NAT64"],
    ["2002:7f00:1::1", "6to4), which is loopback"],
    ["2002:c0a8:101::", "6to4), which is private"],
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored XOR-ed (0x80ff:0xfffe).
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo client), which is loopback"],
    ["2001:0:a00:1::", "Teredo server), which is private"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["0.0.0.0", "this network"],
    ["0.1.2.3", "this network"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
  ])("refuses %s (%s)", (address, label) => {
    expect(closed.refusal(address)).toContain(label);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.128.0.1",
    "172.32.0.1",
    "2606:4700:4700::1111",
    // Embedded public IPv4 is as reachable as the IPv4 itself (DNS64 answers look like this).
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
  ])("accepts public %s", (address) => {
    expect(closed.refusal(address)).toBeNull();
  });

  it("lets the allow list open hosts, single IPs and CIDRs (and their IPv4-mapped forms)", () => {
    const open = new WebhookAddressPolicy(["127.0.0.1", "10.1.0.0/16", "fd00::/8", "Receiver.Internal"]);
    expect(open.refusal("127.0.0.1")).toBeNull();
    expect(open.refusal("::ffff:127.0.0.1")).toBeNull();
    expect(open.refusal("64:ff9b::10.1.2.3")).toBeNull();
    expect(open.refusal("64:ff9b::10.2.2.3")).toContain("private");
    expect(open.refusal("127.0.0.2")).toContain("loopback");
    expect(open.refusal("10.1.200.3")).toBeNull();
    expect(open.refusal("10.2.0.1")).toContain("private");
    expect(open.refusal("fd00:ec2::254")).toBeNull();
    expect(open.isHostAllowed("receiver.internal.")).toBe(true);
    expect(open.isHostAllowed("other.internal")).toBe(false);
  });

  it("fails fast on a malformed CIDR", () => {
    expect(() => new WebhookAddressPolicy(["10.0.0.0/abc"])).toThrow(/bad CIDR/);
  });
});

describe("submit-time URL check", () => {
  const reject = (url: string, policy = closed) => {
    try {
      checkWebhookUrl(url, policy);
    } catch (error) {
      expect(error).toBeInstanceOf(GenqError);
      expect((error as GenqError).code).toBe("WEBHOOK_URL_REJECTED");
      return (error as GenqError).message;
    }
    throw new Error(`${url} was accepted`);
  };

  it.each([
    "http://127.0.0.1/hook",
    "http://[::1]:8080/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.1/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:0:127.0.0.1]:8080/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::169.254.169.254]/",
    "http://[2002:7f00:1::1]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0:80/",
    "https://100.64.0.7/",
  ])("refuses literal non-public address %s", (url) => {
    expect(reject(url)).toMatch(/non-public address/);
  });

  it.each([
    ["file:///etc/passwd", /http or https/],
    ["gopher://example.com:70/_stats", /http or https/],
    ["ftp://example.com/", /http or https/],
    ["javascript:alert(1)", /http or https/],
    ["https://user:pw@example.com/hook", /credentials/],
    ["https://token@example.com/hook", /credentials/],
    ["not a url", /absolute URL/],
  ])("refuses %s", (url, message) => {
    expect(reject(url)).toMatch(message);
  });

  it("accepts public addresses and leaves hostnames to delivery time", () => {
    expect(checkWebhookUrl("https://example.com/hook?x=1", closed).hostname).toBe("example.com");
    expect(checkWebhookUrl("http://localhost:9/hook", closed).hostname).toBe("localhost");
    expect(checkWebhookUrl("https://8.8.8.8/", closed).hostname).toBe("8.8.8.8");
  });

  it("accepts an allow-listed literal", () => {
    expect(checkWebhookUrl("http://127.0.0.1:4000/", new WebhookAddressPolicy(["127.0.0.1"])).port).toBe("4000");
  });
});
