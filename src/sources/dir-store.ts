import { createReadStream, type ReadStream, realpathSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { type ArchiveStore, jsonTooLarge, MAX_JSON_BYTES } from "./archive-store.js";

const READ_CHUNK = 1 << 20;

/** An OCI image layout unpacked in a directory (`skopeo copy … oci:DIR:tag`). */
export class DirStore implements ArchiveStore {
  private readonly root: string;

  constructor(
    readonly label: string,
    dir: string,
  ) {
    this.root = realpathSync(dir);
  }

  /** The layout-relative path of the regular file holding `path` (symlinks followed, never outside), or null. */
  resolve(path: string): string | null {
    const real = this.realFile(path);
    return real === null ? null : relative(this.root, real).split(sep).join("/");
  }

  private realFile(path: string): string | null {
    const full = join(this.root, ...path.split("/"));
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      return null;
    }
    if (real !== this.root && !real.startsWith(this.root + sep)) return null;
    const st = statSync(real, { throwIfNoEntry: false });
    return st?.isFile() ? real : null;
  }

  size(path: string): number | null {
    const real = this.realFile(path);
    return real === null ? null : (statSync(real, { throwIfNoEntry: false })?.size ?? null);
  }

  async readSmall(path: string): Promise<Buffer | null> {
    const real = this.realFile(path);
    if (real === null) return null;
    const size = statSync(real).size;
    if (size > MAX_JSON_BYTES) {
      throw jsonTooLarge(this.label, path, size, "the directory is damaged or not an OCI image layout");
    }
    return readFile(real);
  }

  /** The blob file holding `path` (links followed), whole, or null. */
  locate(path: string): { file: string; start: number; length: number } | null {
    const real = this.realFile(path);
    const size = real === null ? undefined : statSync(real, { throwIfNoEntry: false })?.size;
    return real === null || size === undefined ? null : { file: real, start: 0, length: size };
  }

  open(path: string): ReadStream {
    const real = this.realFile(path);
    if (real === null) throw new Error(`no such file in the layout: ${path}`);
    return createReadStream(real, { highWaterMark: READ_CHUNK });
  }
}
