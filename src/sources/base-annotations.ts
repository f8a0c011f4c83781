import { BASE_DIGEST_KEY, BASE_NAME_KEY, type BaseAnnotations } from "../model/base-image.js";

const MAX_VALUE = 512;

function clean(v: string | undefined): string | null {
  if (v === undefined) return null;
  const t = v.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (t === "" || t.length > MAX_VALUE || /[\u0000-\u001f\u007f]/.test(t)) return null;
  return t;
}

function from(
  annotations: Record<string, string> | undefined,
  where: BaseAnnotations["from"],
): BaseAnnotations | null {
  if (annotations === undefined) return null;
  const name = clean(annotations[BASE_NAME_KEY]);
  const digest = clean(annotations[BASE_DIGEST_KEY]);
  return name === null && digest === null ? null : { name, digest, from: where };
}

/**
 * The OCI base-image annotations (org.opencontainers.image.base.name/.digest) of an image: the
 * manifest's own, else those on the index entry that points at it. Values are trimmed, at most
 * 512 characters, without control characters; anything else is left out.
 */
export function baseAnnotationsOf(
  manifest: Record<string, string> | undefined,
  indexEntry: Record<string, string> | undefined,
): BaseAnnotations | null {
  return from(manifest, "manifest") ?? from(indexEntry, "index");
}
