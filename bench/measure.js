// Runs the layerview CLI in this process (exactly what bin/layerview.js does), then reports the
// process's peak resident memory on stderr as `maxRSS=<kB>`. Used by bench/run.js.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--liftoff-only"); // as bin/layerview.js does, and why it does it is said there
const { capYoungGeneration } = await import("../dist/cli/young-generation.js");
capYoungGeneration();
const { main } = await import("../dist/cli/main.js");

const code = await main(process.argv.slice(2));
process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
