// GENQ_RESULT_SINK and its URL and token are validated with the rest of the config: http needs
// both, a bad value names its key, and the API side reads the token alone.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../shared/config.ts";

const TOKEN = "t".repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("result sink config", () => {
  it("defaults to the store, with the API's token when set", () => {
    expect(parseConfig({}).resultSink).toEqual({ kind: "store", token: undefined });
    expect(parseConfig({ GENQ_RESULT_SINK_TOKEN: TOKEN }).resultSink).toEqual({ kind: "store", token: TOKEN });
  });

  it("http takes a base URL (trailing slash dropped) and the token", () => {
    const config = parseConfig({ GENQ_RESULT_SINK: "http", GENQ_RESULT_SINK_URL: "https://api.example.com/", GENQ_RESULT_SINK_TOKEN: TOKEN });
    expect(config.resultSink).toEqual({ kind: "http", url: "https://api.example.com", token: TOKEN });
  });

  it("names every bad or missing key", () => {
    expect(problems({ GENQ_RESULT_SINK: "http" })).toEqual([
      expect.stringMatching(/^GENQ_RESULT_SINK_URL: required/),
      expect.stringMatching(/^GENQ_RESULT_SINK_TOKEN: required/),
    ]);
    expect(problems({ GENQ_RESULT_SINK: "d1" })[0]).toMatch(/^GENQ_RESULT_SINK:/);
    expect(problems({ GENQ_RESULT_SINK_URL: "ftp://x" })[0]).toMatch(/^GENQ_RESULT_SINK_URL:/);
    expect(problems({ GENQ_RESULT_SINK_TOKEN: "short" })[0]).toMatch(/^GENQ_RESULT_SINK_TOKEN: must be 32-512/);
  });
});
