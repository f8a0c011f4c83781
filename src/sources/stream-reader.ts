import type { Readable } from "node:stream";
import { type Diagnostic, UserError } from "../model/diagnostics.js";
import type { LayerContents } from "../model/layer-contents.js";
import { PathTable } from "../model/path-table.js";
import { Remapper } from "../model/remap.js";
import type { ArchiveStore } from "./archive-store.js";
import { type ImagePlan, planImage } from "./image-plan.js";
import {
  describeUnrecognised,
  LayerBlobReader,
  type LayerBlobResult,
  SNIFF_BYTES,
  sniffCompression,
} from "./layer-blob.js";
import { finishLayer } from "./read-layers.js";
import { describeNonTar, NOT_A_TAR_HINT, TRUNCATED_HINT } from "./tar-file-store.js";
import type { ArchiveMember, KeptMember } from "./tar-walk.js";
import type { Compression, ImageData, ReadLayer, ReadOptions } from "./types.js";

/** One member of the outer archive, as much of it as a single pass keeps (with the layer parsed from it, if it looked like one). */
type StreamEntry = KeptMember<{ layer: LayerBlobResult | null }>;

/**
 * Reads an image archive in one pass from a non-seekable stream (stdin, a daemon's image export).
 * Entries can come in any order (podman writes manifest.json last), so small JSON members are
 * kept, every layer-looking member is parsed as it streams by, and the manifest maps them at the end.
 */
export async function readArchiveStream(
  input: AsyncIterable<unknown> & Partial<Pick<Readable, "destroy">>,
  label: string,
  source: string,
  opts: ReadOptions,
): Promise<ImageData> {
  const signal = opts.signal;
  signal?.throwIfAborted();
  // tar-stream loads only for a one-pass read (~20 ms of start-up for the seekable archives).
  const { KeptMembers, walkArchive } = await import("./tar-walk.js");
  const speculative = new PathTable();
  const entries = new Map<string, StreamEntry>();
  let outerBytes = 0;
  let entryCount = 0;
  let outerCompression: Compression | null = null;
  let firstBytes: Buffer = Buffer.alloc(0);
  // The last bytes of the tar: all zero when it ends with its end-of-archive blocks.
  let tail: Buffer = Buffer.alloc(0);
  try {
    await walkArchive(
      input,
      async (member) => {
        entryCount++;
        await readMember(member, entries, speculative, opts, signal);
      },
      {
        signal,
        onInput: (chunk) => {
          if (firstBytes.length < SNIFF_BYTES) {
            firstBytes = Buffer.concat([firstBytes, chunk.subarray(0, SNIFF_BYTES - firstBytes.length)]);
          }
          outerBytes += chunk.length;
        },
        onHead: (_head, compression) => {
          outerCompression = compression;
        },
        onTar: (chunk) => {
          tail =
            chunk.length >= TAIL
              ? chunk.subarray(chunk.length - TAIL)
              : Buffer.concat([tail, chunk]).subarray(-TAIL);
        },
      },
    );
  } catch (e) {
    signal?.throwIfAborted();
    const c = outerCompression === "gzip" || outerCompression === "zstd" ? outerCompression : null;
    throw outerError(e, label, outerBytes, entryCount, c, firstBytes);
  }
  if (outerBytes === 0) {
    throw new UserError(
      `${label}: the input is empty`,
      "pipe an image archive in, e.g. 'docker save IMAGE | …'",
    );
  }

  const store = new KeptMembers(label, entries);
  const complete = tail.length === TAIL && tail.every((b) => b === 0);
  const plan = await planWithEndCheck(store, opts, source, complete);
  const diagnostics: Diagnostic[] = [...plan.diagnostics];

  // Keep only the chosen image's layers; re-intern their paths if other blobs were parsed too.
  const results = plan.layers.map((l) => {
    if (l.missing !== null || l.path === null) return null;
    const file = store.file(l.path);
    if (file === null) return null;
    if (file.layer !== null) return file.layer;
    return {
      contents: null,
      compression: null,
      error: describeUnrecognised(file.bytes),
      skipped: [],
      blobBytes: file.size,
      packages: null,
    } satisfies LayerBlobResult;
  });
  const used = new Set(results.map((r) => r?.contents).filter((c): c is LayerContents => c != null));
  // Paths interned by blobs that are not kept (other images, failed parses) must not linger.
  const parsedElsewhere = [...entries.values()].some((e) => {
    if (e.kind !== "file" || e.layer === null) return false;
    const c = e.layer.contents;
    return c === null ? e.layer.compression !== null : !used.has(c) && c.tarEntries > 0;
  });
  let paths = speculative;
  if (parsedElsewhere) {
    paths = new PathTable();
    const remap = new Remapper(speculative, paths);
    const moved = new Map<LayerContents, LayerContents>();
    for (const c of used) moved.set(c, remap.contents(c));
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r?.contents) results[i] = { ...r, contents: moved.get(r.contents)! };
    }
  }

  opts.onImage?.(plan.info);
  const readLayers: ReadLayer[] = plan.layers.map((planned, i) => {
    const layer = finishLayer(planned, results[i] ?? null, label, diagnostics);
    opts.onLayer?.(layer);
    return layer;
  });
  return { ...plan.info, readLayers, paths, diagnostics };
}

const TAIL = 1024;

/**
 * Plan the image; when the tar ended without its end-of-archive blocks, say it may be truncated
 * (in the error if planning fails, as a warning otherwise).
 */
export async function planWithEndCheck(
  store: ArchiveStore,
  opts: ReadOptions,
  source: string,
  complete: boolean,
): Promise<ImagePlan> {
  let plan: ImagePlan;
  try {
    plan = await planImage(store, opts, source);
  } catch (e) {
    if (e instanceof UserError && !complete) {
      throw new UserError(`${e.message} (the tar has no end marker: it may be truncated)`, e.hint, {
        cause: e,
      });
    }
    throw e;
  }
  if (!complete) {
    plan.diagnostics.push({
      severity: "warning",
      message: `${store.label}: the archive ends without a tar end-of-archive marker; it may be truncated`,
    });
  }
  return plan;
}

async function readMember(
  member: ArchiveMember,
  entries: Map<string, StreamEntry>,
  paths: PathTable,
  opts: ReadOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  const path = member.path;
  switch (member.kind) {
    case "symlink":
    case "hardlink":
      entries.set(path, { kind: member.kind, target: member.target });
      return;
    case "other":
      entries.set(path, { kind: "other" });
      return;
    case "json":
      entries.set(path, {
        kind: "file",
        size: member.size,
        bytes: member.bytes,
        complete: true,
        layer: null,
      });
      return;
  }
  const { size, head: first, rest } = member;
  const complete = first.length === size;
  if (sniffCompression(first) === null && first.length > 0) {
    entries.set(path, { kind: "file", size, bytes: first, complete, layer: null });
    return;
  }
  const onProgress = opts.onProgress;
  const reader = new LayerBlobReader(paths, {
    onProgress: onProgress
      ? (bytesRead, count) =>
          onProgress({ layer: -1, blob: path, bytesRead, totalBytes: size, entries: count })
      : undefined,
  });
  let wait = reader.write(first);
  if (wait) await wait;
  for await (const chunk of rest) {
    if (signal?.aborted) {
      reader.destroy();
      return;
    }
    wait = reader.write(chunk as Buffer);
    if (wait) await wait;
  }
  const layer = await reader.end();
  entries.set(path, { kind: "file", size, bytes: first, complete, layer });
}

function outerError(
  e: unknown,
  label: string,
  bytes: number,
  entries: number,
  compression: string | null,
  head: Buffer,
): UserError {
  if (e instanceof UserError) return e;
  const message = (e as Error)?.message ?? String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  if (/Unexpected end of data/i.test(message)) {
    return new UserError(`${label} is truncated: the tar stream ends inside an entry`, TRUNCATED_HINT, {
      cause: e,
    });
  }
  if (/Invalid tar header|unknown format/i.test(message)) {
    if (entries === 0) {
      const what = compression
        ? `after ${compression} decompression the data is not a tar`
        : describeNonTar(head);
      return new UserError(`${label} is not a tar archive: ${what}`, NOT_A_TAR_HINT, { cause: e });
    }
    return new UserError(`${label} is corrupt: a bad tar header after ${entries} entries`, TRUNCATED_HINT, {
      cause: e,
    });
  }
  if (compression !== null && (code?.startsWith("Z_") || /frame|zstd|Dictionary|corrupt/i.test(message))) {
    const truncated = code === "Z_BUF_ERROR" || /unexpected end|ended in middle/i.test(message);
    return new UserError(
      `${label}: the ${compression}-compressed archive is ${truncated ? "truncated" : `corrupt (${message})`}`,
      TRUNCATED_HINT,
      { cause: e },
    );
  }
  return new UserError(`${label}: reading failed after ${bytes} bytes: ${message}`, undefined, { cause: e });
}
