/**
 * A problem the user must see: one line naming what (image, file, layer) and what is wrong,
 * plus what to do. Thrown for fatal problems; collected as diagnostics for partial ones.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UserError";
  }
}

export interface Diagnostic {
  severity: "error" | "warning";
  /** One line: what (archive, layer, entry) and what is wrong. */
  message: string;
  /** Image layer index the problem belongs to, when it belongs to one. */
  layer?: number;
}
