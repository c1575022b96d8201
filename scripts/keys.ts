// `npm run keys -- create <name> [--tenant <tenant>] | list | revoke <id> | reassign <from> <to>`: manages API keys in
// the configured store (the SQLite database of GENQ_DATA_DIR). `create` prints the key alone on stdout (shown once).
import { loadConfig } from "../shared/config.ts";
import { issueApiKey, KEY_ID_PATTERN, TENANT_PATTERN } from "../shared/auth/api-keys.ts";
import { openStore } from "../shared/store/open-store.ts";
import type { ApiKeyRow } from "../shared/store/schema/api-keys.ts";

const USAGE = 'usage: npm run keys -- create <name> [--tenant <tenant>] | list | revoke <key id> | reassign <from tenant> <to tenant> ("" = no key)';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());

function table(rows: ApiKeyRow[]): string {
  const lines = [["ID", "NAME", "TENANT", "PREFIX", "CREATED", "REVOKED"]];
  for (const r of rows) lines.push([r.id, r.name, r.tenantId, r.prefix, iso(r.createdAt), iso(r.revokedAt)]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n";
}

const [command, ...args] = process.argv.slice(2);
const config = loadConfig();
const store = await openStore(config);
const keys = store.apiKeys;
try {
  if (command === "create") {
    const tenantAt = args.indexOf("--tenant");
    const tenant = tenantAt >= 0 ? args[tenantAt + 1] : undefined;
    const name = args.filter((_, i) => tenantAt < 0 || (i !== tenantAt && i !== tenantAt + 1)).join(" ").trim();
    if (!name || name.length > 64 || /[\p{Cc}\p{Cf}]/u.test(name)) fail("give the key a printable name of 1-64 characters");
    if (tenantAt >= 0 && (!tenant || !TENANT_PATTERN.test(tenant))) fail("--tenant must be 1-64 letters, digits, . _ : -");
    const { row, key, inherited } = await issueApiKey(keys, { name, tenantId: tenant });
    if (inherited) process.stderr.write(`first key: tenant ${row.tenantId} takes over the ${inherited.jobs} job(s) submitted without a key\n`);
    process.stderr.write(`created ${row.id} ("${row.name}", tenant ${row.tenantId}); the key is shown only now:\n`);
    process.stdout.write(`${key}\n`);
  } else if (command === "reassign") {
    const [from, to] = args;
    if (from === undefined || (from !== "" && !TENANT_PATTERN.test(from)) || !to || !TENANT_PATTERN.test(to) || from === to) {
      fail('reassign needs two different tenants: <from> ("" for jobs submitted without a key) <to>');
    }
    const moved = await store.tenants.reassign(from, to);
    process.stderr.write(`moved ${moved.jobs} job(s) and ${moved.webhookDeliveries} webhook deliveries from tenant "${from}" to "${to}"\n`);
  } else if (command === "list") {
    process.stdout.write(table(await keys.list()));
  } else if (command === "revoke") {
    const id = args[0] ?? "";
    if (!KEY_ID_PATTERN.test(id)) fail(`not a key id: ${JSON.stringify(id)}`);
    const row = await keys.revoke(id, Date.now());
    if (!row) fail(`no API key ${id}`);
    process.stderr.write(`revoked ${row.id} ("${row.name}") at ${iso(row.revokedAt)}\n`);
  } else {
    fail(command ? `unknown command ${JSON.stringify(command)}` : "no command");
  }
} finally {
  await store.close();
}
