import { UserError } from "../model/diagnostics.js";

/** One line for an error: a UserError's message and hint; anything else is internal (details with --debug). */
export function errorLine(e: unknown, debug: boolean): string {
  if (e instanceof UserError) return `${e.message}${e.hint ? ` — ${e.hint}` : ""}`;
  const msg = e instanceof Error ? e.message : String(e);
  return debug ? msg : `internal error: ${msg} (run with --debug for details)`;
}
