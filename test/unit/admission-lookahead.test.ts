// The admission lookahead's decisions, driven through its own interface: when a saturated worker
// peeks, what it withdraws, and when it opens an extra slot.
import { describe, expect, it } from "vitest";
import { AdmissionLookahead } from "../../worker/queue/admission-lookahead.ts";

function lookahead(options: { best: number | null; withdrawAtOnce: boolean; pollMs?: number }) {
  const calls = { peeks: 0, withdrawn: [] as string[], resized: [] as number[] };
  const subject = new AdmissionLookahead({
    capacity: 2,
    pollMs: options.pollMs ?? 60_000,
    peekBest: async () => {
      calls.peeks++;
      return options.best;
    },
    withdraw: (id) => {
      calls.withdrawn.push(id);
      return options.withdrawAtOnce;
    },
    resize: (_model, delta) => calls.resized.push(delta),
  });
  return { subject, calls };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("admission lookahead", () => {
  it("a nudge peeks at once while saturated (not at the next poll), and never while a slot is free", async () => {
    const { subject, calls } = lookahead({ best: null, withdrawAtOnce: true });
    subject.hold("a", "m", 8);
    subject.nudge();
    await turn();
    expect(calls.peeks).toBe(0);
    subject.hold("b", "m", 8);
    // A burst of arrivals in one turn makes one peek.
    subject.nudge();
    subject.nudge();
    subject.nudge();
    await turn();
    expect(calls.peeks).toBe(1);
    subject.close();
  });

  it("withdraws the least urgent, most recent unstarted job for a more urgent one; settled at once, no extra slot", async () => {
    const { subject, calls } = lookahead({ best: 1, withdrawAtOnce: true });
    subject.hold("running", "m", 9);
    subject.started("running");
    subject.hold("p8-old", "m", 8);
    subject.hold("p8-new", "m", 8);
    subject.nudge();
    await turn();
    expect(calls.withdrawn).toEqual(["p8-new"]);
    expect(calls.resized).toEqual([]);
    expect(subject.withdrawals).toBe(1);
    subject.close();
  });

  it("a withdrawal the engine answers later opens one extra slot until it is done", async () => {
    const { subject, calls } = lookahead({ best: 1, withdrawAtOnce: false });
    subject.hold("a", "m", 8);
    subject.hold("b", "m", 8);
    subject.nudge();
    await turn();
    expect(calls.withdrawn).toEqual(["b"]);
    expect(calls.resized).toEqual([1]);
    subject.release("b");
    expect(calls.resized).toEqual([1, -1]);
    subject.close();
  });

  it("nothing is withdrawn for work that is not more urgent", async () => {
    const { subject, calls } = lookahead({ best: 8, withdrawAtOnce: true });
    subject.hold("a", "m", 8);
    subject.hold("b", "m", 8);
    subject.nudge();
    await turn();
    expect(calls.peeks).toBe(1);
    expect(calls.withdrawn).toEqual([]);
    subject.close();
  });
});
