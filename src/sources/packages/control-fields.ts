/**
 * The stanza formats package databases share: dpkg's control files (`Key: value`, continuation lines
 * indented, stanzas split by blank lines), apk's `K:value` lines, Python's RFC 822 headers.
 */

/** Longest name, version or architecture a record may carry; longer ones mark the file as bad. */
export const MAX_FIELD = 512;

/** A printable one-line value within MAX_FIELD, or null (control characters could drive a terminal). */
export function cleanField(v: string | undefined): string | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (t === "" || t.length > MAX_FIELD) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(t)) return null;
  return t;
}

/**
 * The wanted fields of each stanza of a dpkg control file; other fields are skipped without being
 * copied. Field names compare case-insensitively, as dpkg does.
 */
export function controlStanzas(
  text: string,
  wanted: readonly string[],
  maxStanzas: number,
): Map<string, string>[] {
  const want = new Set(wanted.map((w) => w.toLowerCase()));
  const out: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl === -1) nl = text.length;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      cur = null;
      continue;
    }
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) continue; // a continuation line: none of the wanted fields has one
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (cur === null) {
      if (out.length >= maxStanzas) break;
      cur = new Map();
      out.push(cur);
    }
    const key = line.slice(0, colon).toLowerCase();
    if (!want.has(key)) continue;
    cur.set(key, line.slice(colon + 1).trim());
  }
  return out;
}

/** RFC 822-style headers up to the first blank line (Python METADATA, PKG-INFO), lower-cased keys. */
export function headerFields(text: string, wanted: readonly string[]): Map<string, string> {
  const want = new Set(wanted.map((w) => w.toLowerCase()));
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl === -1) nl = text.length;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (want.has(key) && !out.has(key)) out.set(key, line.slice(colon + 1).trim());
  }
  return out;
}

/** Lines of a text file without their line ends, blank ones left out. */
export function textLines(text: string): string[] {
  return text.split("\n").flatMap((l) => {
    const t = l.endsWith("\r") ? l.slice(0, -1) : l;
    return t === "" ? [] : [t];
  });
}

/**
 * `base` joined with a relative path, `..` resolved, as an absolute path; null when it climbs above
 * the root or holds control characters.
 */
export function joinPath(base: string, rel: string): string | null {
  const parts = rel.startsWith("/") ? [] : base.split("/").filter((p) => p !== "");
  for (const p of rel.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(p);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a path with a newline is not a file a database lists
  if (parts.length === 0 || parts.some((p) => /[\u0000-\u001f]/.test(p))) return null;
  return `/${parts.join("/")}`;
}
