// Residency settings and keep_alive values: what parses (and to what), and that every bad value is
// refused with the key named (config) or undefined (the API turns it into VALIDATION_FAILED).
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/config.ts";
import { KEEP_ALIVE_FOREVER, parseKeepAlive } from "../../shared/models/keep-alive.ts";
import { parseByteSize } from "../../shared/residency-config.ts";

const base = { GENQ_MODELS: "a=/m/a,b=/m/b,c=/m/c" };

describe("keep-alive values", () => {
  it("parses -1, 0, seconds and durations", () => {
    expect(parseKeepAlive(-1)).toBe(KEEP_ALIVE_FOREVER);
    expect(parseKeepAlive("-1")).toBe(KEEP_ALIVE_FOREVER);
    expect(parseKeepAlive(0)).toBe(0);
    expect(parseKeepAlive("0")).toBe(0);
    expect(parseKeepAlive(30)).toBe(30_000);
    expect(parseKeepAlive(0.25)).toBe(250);
    expect(parseKeepAlive("30")).toBe(30_000);
    expect(parseKeepAlive("500ms")).toBe(500);
    expect(parseKeepAlive("30s")).toBe(30_000);
    expect(parseKeepAlive("5m")).toBe(300_000);
    expect(parseKeepAlive("1.5h")).toBe(5_400_000);
    expect(parseKeepAlive("7d")).toBe(604_800_000);
  });

  it("refuses everything else", () => {
    for (const bad of ["", " ", "abc", "5x", "-2", "-1s", "1e3", "8d", "5 m", "0x10", -2, -0.5, 604_801, Number.NaN, Infinity]) {
      expect(parseKeepAlive(bad), String(bad)).toBeUndefined();
    }
  });
});

describe("residency config", () => {
  it("defaults: every model, 5 minutes, no budget", () => {
    expect(parseConfig(base).residency).toEqual({ workerModels: ["a", "b", "c"], keepAliveMs: 300_000, memoryBudgetBytes: null });
  });

  it("reads GENQ_WORKER_MODELS (in GENQ_MODELS order), GENQ_MODEL_KEEP_ALIVE and GENQ_MODEL_MEMORY_BUDGET", () => {
    const config = parseConfig({ ...base, GENQ_WORKER_MODELS: "c, a", GENQ_MODEL_KEEP_ALIVE: "-1", GENQ_MODEL_MEMORY_BUDGET: "2GB" });
    expect(config.residency).toEqual({ workerModels: ["a", "c"], keepAliveMs: -1, memoryBudgetBytes: 2_000_000_000 });
  });

  it("parses byte sizes with decimal and binary units", () => {
    expect(parseByteSize("2GB")).toBe(2e9);
    expect(parseByteSize("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize("512 mb")).toBe(512e6);
    expect(parseByteSize("123456")).toBe(123_456);
    for (const bad of ["", "0", "GB", "2XB", "-1GB", "1e9", "2 G B"]) expect(parseByteSize(bad), bad).toBeUndefined();
  });

  it("names each bad key", () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig({ ...base, ...env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ GENQ_MODEL_KEEP_ALIVE: "soon", GENQ_MODEL_MEMORY_BUDGET: "lots" })).toEqual([
      expect.stringMatching(/^GENQ_MODEL_KEEP_ALIVE: expected -1/),
      expect.stringMatching(/^GENQ_MODEL_MEMORY_BUDGET: expected a size/),
    ]);
    expect(problems({ GENQ_WORKER_MODELS: "a,zzz" })).toEqual(["GENQ_WORKER_MODELS: zzz is not a model in GENQ_MODELS"]);
  });
});
