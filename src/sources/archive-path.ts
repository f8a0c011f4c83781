import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { UserError } from "../model/diagnostics.js";

/** An archive path as the user typed it (`ARCHIVE:name:tag` too), found without loading an archive reader. */

/** Find what the input names: a path as is, else `PATH:image` with the longest existing PATH. */
export async function locate(
  input: string,
): Promise<{ path: string; image: string | null; st: Stats | null }> {
  if (input === "-") return { path: "-", image: null, st: null };
  if (input.startsWith("-:") && input.length > 2) return { path: "-", image: input.slice(2), st: null };
  if (input === "")
    throw new UserError("no image archive given", "name an archive file, a layout directory or '-'");
  const direct = await stat(input).catch((e: NodeJS.ErrnoException) => e);
  if (!(direct instanceof Error)) return { path: input, image: null, st: direct };
  if (direct.code !== "ENOENT" && direct.code !== "ENOTDIR") throw fileError(input, direct);
  for (let i = input.lastIndexOf(":"); i > 0; i = input.lastIndexOf(":", i - 1)) {
    const prefix = input.slice(0, i);
    const image = input.slice(i + 1);
    if (image === "") continue;
    const st = await stat(prefix).catch(() => null);
    if (st !== null) return { path: prefix, image, st };
  }
  throw fileError(input, direct);
}

export function fileError(path: string, e: NodeJS.ErrnoException): UserError {
  switch (e.code) {
    case "ENOENT":
    case "ENOTDIR":
      return new UserError(
        `${path}: no such file or directory`,
        "check the path; use '-' to read an archive from stdin",
      );
    case "EACCES":
    case "EPERM":
      return new UserError(`${path}: permission denied`, "check the file's permissions");
    case "EISDIR":
      return new UserError(`${path} is a directory`, "give an image archive or an OCI layout directory");
    default:
      return new UserError(`${path}: ${e.message}`, undefined, { cause: e });
  }
}
