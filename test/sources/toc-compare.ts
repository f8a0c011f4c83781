/**
 * What the TOC listing is compared with: the same blob streamed through LayerBlobReader, and an
 * independent walk (tar-stream) that gives each regular file's bytes and their SHA-256.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { describe, it } from "vitest";
import {
  ENTRY_TYPE_NAMES,
  type EntryType,
  type LayerContents,
  parseEntryName,
} from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";
import { LayerBlobReader } from "../../src/sources/layer-blob.js";
import { createZstdDecompress } from "../../src/sources/zstd.js";

/** Every column of a listing except the content hash, entry by entry in order, plus the totals. */
export function snapshot(c: LayerContents, paths: PathTable) {
  const entries: string[] = [];
  for (let i = 0; i < c.count; i++) {
    const type = ENTRY_TYPE_NAMES[c.type[i] as EntryType];
    entries.push(
      [
        paths.path(c.node[i]!),
        type,
        `mode=${c.mode[i]!.toString(8)}`,
        `uid=${c.uid[i]}`,
        `gid=${c.gid[i]}`,
        `size=${c.size[i]}`,
        `mtime=${c.mtime[i]}`,
        c.links.has(i) ? `-> ${c.links.get(i)}` : "",
      ].join(" "),
    );
  }
  return {
    entries,
    whiteouts: [...c.whiteouts].map((n) => paths.path(n)),
    opaqueDirs: [...c.opaqueDirs].map((n) => paths.path(n)),
    problems: c.problems.map((p) => `${p.severity} ${p.entry}: ${p.message}`),
    tarEntries: c.tarEntries,
    fileBytes: c.fileBytes,
    tarFileBytes: c.tarFileBytes,
  };
}

export async function streamListing(blob: Buffer): Promise<{ contents: LayerContents; paths: PathTable }> {
  const paths = new PathTable();
  const reader = new LayerBlobReader(paths);
  for (let at = 0; at < blob.length; at += 64 * 1024) {
    const wait = reader.write(blob.subarray(at, at + 64 * 1024));
    if (wait) await wait;
  }
  const r = await reader.end();
  if (r.contents === null) throw new Error(`streaming the blob failed: ${r.error}`);
  return { contents: r.contents, paths };
}

export async function decompressBlob(blob: Buffer): Promise<Buffer> {
  if (blob[0] === 0x1f && blob[1] === 0x8b) return gunzipSync(blob);
  const out: Buffer[] = [];
  const d = Readable.from([blob]).pipe(createZstdDecompress());
  for await (const c of d) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** Regular files' bytes by normalised path ("etc/hosts"), the last entry for a path winning. */
export async function fileContents(blob: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      const p = parseEntryName(entry.header.name);
      if (p.kind !== "entry") continue;
      const key = p.segments.join("/");
      if (entry.header.type === "file" || entry.header.type === "contiguous-file")
        files.set(key, Buffer.concat(parts));
      else files.delete(key);
    }
  })();
  extract.end(await decompressBlob(blob));
  await done;
  return files;
}

export const sha256hex = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Whether a tool is on PATH. */
export function haveTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

const REQUIRE_ENGINES = process.env.LAYERVIEW_REQUIRE_ENGINES === "1";

/** describe() when the tools are installed; otherwise skipped saying why (or failing in CI). */
export function describeWithTools(title: string, tools: string[], body: () => void): void {
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length === 0) describe(title, body);
  else if (REQUIRE_ENGINES) {
    describe(title, () => {
      it(`needs ${missing.join(", ")} (LAYERVIEW_REQUIRE_ENGINES=1)`, () => {
        throw new Error(`not installed: ${missing.join(", ")}`);
      });
    });
  } else describe.skip(`${title} [skipped: ${missing.join(", ")} not installed]`, body);
}

export interface LayoutLayer {
  digest: string;
  size: number;
  mediaType: string;
  annotations: Record<string, string>;
  path: string;
}

/** The layers of every image manifest in an OCI layout directory (nested indexes followed). */
export function ociLayers(dir: string): LayoutLayer[] {
  const blob = (digest: string) => join(dir, "blobs", ...digest.split(":"));
  const out: LayoutLayer[] = [];
  const walk = (digest: string) => {
    const m = JSON.parse(readFileSync(blob(digest), "utf8"));
    if (Array.isArray(m.manifests)) for (const x of m.manifests) walk(x.digest);
    else
      for (const l of m.layers ?? []) {
        out.push({
          digest: l.digest,
          size: l.size,
          mediaType: l.mediaType,
          annotations: l.annotations ?? {},
          path: blob(l.digest),
        });
      }
  };
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  for (const x of index.manifests) walk(x.digest);
  return out;
}

/** Unpack an OCI archive (tar) into `dir` unless it is there already. */
export function unpackOciArchive(archive: string, dir: string): string {
  if (!existsSync(join(dir, "index.json"))) execFileSync("tar", ["-xf", archive, "-C", dir]);
  return dir;
}
