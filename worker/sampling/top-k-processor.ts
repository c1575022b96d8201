// Top-k filtering: keeps the k highest logits (ties at the k-th value are all kept, as in HF's
// TopKLogitsWarper) and sets every other logit to -Infinity.
import type { LogitsProcessor } from "./logits-processor.ts";

export class TopKProcessor implements LogitsProcessor {
  private readonly topK: number;
  /** Min-heap of the k largest scores seen so far; its root is the k-th largest. */
  private readonly heap: Float32Array;

  constructor(topK: number) {
    this.topK = topK;
    this.heap = new Float32Array(topK);
  }

  process(scores: Float32Array): void {
    if (this.topK >= scores.length) return;
    const threshold = this.kthLargest(scores);
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < threshold) scores[i] = -Infinity;
    }
  }

  /** O(vocab · log k) partial selection: no sort of the whole vocabulary, no allocation. */
  private kthLargest(scores: Float32Array): number {
    const heap = this.heap;
    const k = this.topK;
    for (let i = 0; i < k; i++) heap[i] = scores[i];
    for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(heap, k, i, heap[i]);
    // heap[0] is the smallest of the best k so far: most scores lose to it with one comparison.
    let root = heap[0];
    for (let i = k; i < scores.length; i++) {
      const value = scores[i];
      if (value > root) {
        siftDown(heap, k, 0, value);
        root = heap[0];
      }
    }
    return root;
  }
}

/** Min-heap sift-down of `value` from `start`. */
function siftDown(heap: Float32Array, size: number, start: number, value: number): void {
  let parent = start;
  while (true) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1] < heap[child]) child++;
    if (heap[child] >= value) break;
    heap[parent] = heap[child];
    parent = child;
  }
  heap[parent] = value;
}
