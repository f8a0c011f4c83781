#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";

// WebAssembly compiled once, by the baseline compiler: otherwise V8 recompiles undici's HTTP parser in
// the background and the process waits for that at exit, ~50 ms of a 250 ms registry reopen (bench/registry).
setFlagsFromString("--liftoff-only");
const { capYoungGeneration } = await import("../dist/cli/young-generation.js");
capYoungGeneration();
const { main } = await import("../dist/cli/main.js");
const { outputFailure } = await import("../dist/cli/exit-codes.js");

// Output that cannot be written ends the process at once, without a stack trace (see outputFailure).
process.stdout.on("error", (e) => {
  const { code, line } = outputFailure(e);
  if (line !== null) process.stderr.write(`${line}\n`);
  process.exit(code);
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
