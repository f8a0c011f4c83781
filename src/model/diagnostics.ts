/**
 * A problem the user must see: one line naming what (image, file, layer) and what is wrong,
 * plus what to do. Thrown for fatal problems; collected as diagnostics for partial ones.
 */
export class UserError extends Error {
  /** Why a source could not serve the image, when another source may be tried instead. */
  readonly reason: SourceFailure | undefined;

  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown; reason?: SourceFailure },
  ) {
    super(message, options);
    this.name = "UserError";
    this.reason = options?.reason;
  }
}

/** A daemon that cannot be reached or used, or that does not have the image: the registry may. */
export type SourceFailure = "daemon-unreachable" | "not-in-daemon";

export interface Diagnostic {
  severity: "error" | "warning";
  /** One line: what (archive, layer, entry) and what is wrong. */
  message: string;
  /** Image layer index the problem belongs to, when it belongs to one. */
  layer?: number;
}
