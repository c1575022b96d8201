#!/usr/bin/env node
// The `genq` command (package.json `bin`; `npx genq` after `npm ci`): loads tsx so the client,
// written in TypeScript under scripts/cli/, runs as is.
import { register } from "tsx/esm/api";

register();
await import("../scripts/cli/genq.ts");
