/**
 * Image names as people type them and archives record them: the reference grammar, and the one place
 * names are normalised (Docker Hub's host and `library/` dropped) for display and for matching.
 */

/** A daemon image reference as the user typed it: an image ID or NAME[:TAG][@DIGEST]. */
export type ImageRef =
  | {
      kind: "id";
      /** Lowercase hex without "sha256:", 12 to 64 digits (a shorter prefix still resolves as a name). */
      hex: string;
    }
  | { kind: "name"; ref: string; name: string; tag: string | null; digest: string | null }
  | { kind: "invalid"; reason: string };

// The grammar of github.com/distribution/reference, without its length limits.
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

export function parseImageRef(input: string): ImageRef {
  const id = /^(?:sha256:)?([0-9a-f]{12,64})$/.exec(input) ?? /^sha256:([0-9a-f]{1,64})$/.exec(input);
  if (id !== null) {
    // 12+ hex digits is how `docker images` shows IDs; docker refuses a 64-hex repository name anyway.
    return { kind: "id", hex: id[1]! };
  }
  if (input === "") return { kind: "invalid", reason: "it is empty" };
  const m = REFERENCE.exec(input);
  if (m === null) {
    const reason = /[A-Z]/.test(input.split(/[:@]/)[0]!.replace(/^[^/]*\//, ""))
      ? "repository names must be lowercase"
      : "it is not NAME[:TAG], NAME@DIGEST or an image ID";
    return { kind: "invalid", reason };
  }
  return { kind: "name", ref: input, name: m[1]!, tag: m[2] ?? null, digest: m[3] ?? null };
}

/** What to ask the daemon for: a full ID with its "sha256:" prefix; a short ID or name as typed. */
export function inspectName(input: string, ref: ImageRef): string {
  if (ref.kind === "id") return ref.hex.length === 64 ? `sha256:${ref.hex}` : ref.hex;
  return input;
}

/** "docker.io/library/app:1" → "app:1", as the docker CLI shows names. */
export function familiarName(name: string): string {
  return name.replace(/^(?:index\.)?docker\.io\/(?:library\/)?/, "");
}

/** A name reduced for comparing: "docker.io/library/app", "library/app" and "app" are all "app". */
export function normalizeName(name: string): string {
  return name.replace(/^(?:(?:index\.)?docker\.io\/)?(?:library\/)?/, "");
}

/** Whether a name says which tag or digest it means ("app:1", "app@sha256:…"; a port is no tag). */
export function hasTagOrDigest(name: string): boolean {
  return name.includes("@") || name.slice(name.lastIndexOf("/") + 1).includes(":");
}

/** The repository of a name: its tag and digest cut off ("host:5000/app:1" → "host:5000/app"). */
export function repoOf(name: string): string {
  const at = name.indexOf("@");
  const base = at === -1 ? name : name.slice(0, at);
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? base.slice(0, colon) : base;
}
