// Reads a batch input file line by line from disk (readline over a stream: never the whole file
// in memory), numbering lines from 0 and skipping blank ones (JSONL allows a trailing newline).
import { createInterface } from "node:readline";
import type { FileBlobs } from "../../shared/files/file-blobs.ts";

export interface InputLine {
  /** 0-based among non-blank lines: the line's job id is derived from it. */
  index: number;
  /** 1-based line number in the file, for `errors[].line`. */
  lineNumber: number;
  text: string;
}

export async function* readInputLines(blobs: FileBlobs, fileId: string): AsyncGenerator<InputLine> {
  const stream = blobs.read(fileId);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let index = 0;
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === "") continue;
      yield { index: index++, lineNumber, text };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
