/**
 * Whether an output gets colours: one decision for every output (explorer, text report, CI output).
 * The choice (--color, --no-color, the config file) wins; under `auto` NO_COLOR (non-empty) turns
 * colours off, FORCE_COLOR turns them on (unless it is 0 or false), else a terminal that is not
 * "dumb" gets them.
 */
import type { ColorChoice } from "./args.js";

export interface ColorDecision {
  color: boolean;
  /** Why, for `layerview config`: "--color always", "NO_COLOR", "stdout is a terminal", … */
  why: string;
}

export function decideColor(
  choice: ColorChoice | undefined,
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
  choiceOrigin = "--color",
): ColorDecision {
  if (choice === "always") return { color: true, why: `${choiceOrigin} always` };
  if (choice === "never") return { color: false, why: `${choiceOrigin} never` };
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return { color: false, why: "NO_COLOR is set" };
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    const off = force === "0" || force.toLowerCase() === "false";
    return { color: !off, why: `FORCE_COLOR=${force}` };
  }
  if (!isTTY) return { color: false, why: "the output is not a terminal" };
  if (env.TERM === "dumb") return { color: false, why: "TERM=dumb" };
  return { color: true, why: "the output is a terminal" };
}
