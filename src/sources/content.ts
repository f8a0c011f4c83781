/**
 * File contents: the bytes of a path as of a layer, read again from the layer blob that holds them.
 * The image is read once to build the model (which layer holds which version); then only the needed
 * layer blobs are streamed and only the needed entries kept — never a whole layer in memory.
 *
 * - An uncompressed archive file or an OCI layout directory: the blob is read by byte range.
 * - A gzip/zstd-compressed archive file or a daemon image: the archive is streamed once more; the
 *   needed entries of every layer-looking member are spooled to a temporary directory (their order
 *   in the stream is unknown until the manifest, which may come last), then served from there.
 * - A registry image: a layer with a TOC (eStargz, zstd:chunked) gives just the file's chunks, an
 *   uncompressed one a Range of the file's bytes; any other layer is streamed until the file went by.
 * - Standard input cannot be read twice: refused.
 * The sources live in ./content/, one file each; this module chooses one and serves paths.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { UserError } from "../model/diagnostics.js";
import { ImageModel } from "../model/image-model.js";
import {
  contentAlgorithm,
  contentDigestBytes,
  EntryType,
  hasContentHash,
  parseEntryName,
} from "../model/layer-contents.js";
import { ROOT } from "../model/path-table.js";
import { hardlinkData, type ResolvedPath, resolveImagePath } from "../model/resolve-path.js";
import { locate } from "./archive-path.js";
import type { BlobSource } from "./content/blob-source.js";
import { RegistryBlobSource } from "./content/registry-blobs.js";
import { SeekableBlobSource } from "./content/seekable-blobs.js";
import { SpooledBlobSource } from "./content/spooled-blobs.js";
import { verifyingHasher } from "./content-hash.js";
import { DirStore } from "./dir-store.js";
import { planImage } from "./image-plan.js";
import { SNIFF_BYTES, sniffCompression } from "./layer-blob.js";
import { type OpenOptions, openImage, resolveSource } from "./resolve.js";
import { copyTo, drain, writeAll } from "./stream-io.js";
import { TarFileStore } from "./tar-file-store.js";
import { tempDirPrefix } from "./temp-dirs.js";
import type { ImageData } from "./types.js";

export interface ContentOptions extends OpenOptions {
  /** The layer whose merged tree to read from (bottom = 0; default: the top layer). */
  layer?: number;
  /** Follow a symlink named by the path itself (default true; links inside the path are always followed). */
  followSymlinks?: boolean;
}

/** Called with the data of one requested regular-file version (possibly more than once, see fetch). */
export type VersionSink = (version: number, data: AsyncIterable<unknown>) => Promise<void>;

/** File access to one image: resolve paths as of a layer, stream a file's bytes, feed `extract`. */
export class ImageContent {
  private constructor(
    readonly model: ImageModel,
    readonly data: ImageData | null,
    private readonly blobs: BlobSource,
  ) {}

  /** Read IMAGE (archive, layout directory or daemon image) and prepare to read its files. */
  static async open(arg: string, opts: OpenOptions = {}): Promise<ImageContent> {
    refuseStdin(arg, opts);
    const data = await openImage(arg, opts);
    const model = ImageModel.build(data);
    return new ImageContent(model, data, await blobSourceFor(arg, opts, model, data));
  }

  /** For a model already built from `arg` with the same options (the explorer): no second full read. */
  static async forModel(arg: string, opts: OpenOptions, model: ImageModel): Promise<ImageContent> {
    refuseStdin(arg, opts);
    return new ImageContent(model, null, await blobSourceFor(arg, opts, model, null));
  }

  /** The top layer's index (-1 for an image without layers). */
  get topLayer(): number {
    return this.model.layerCount - 1;
  }

  checkLayer(layer: number | undefined): number {
    const top = this.topLayer;
    const L = layer ?? top;
    if (!Number.isInteger(L) || L < 0 || L > top) {
      throw new UserError(
        `layer ${layer} does not exist: ${this.model.input.source} has ${this.model.layerCount} layer${this.model.layerCount === 1 ? "" : "s"} (0–${top})`,
        "give --layer N with N counted from the bottom layer, 0",
      );
    }
    return L;
  }

  resolve(path: string, layer: number, followFinal = true): ResolvedPath {
    return resolveImagePath(this.model, path, layer, { followFinal });
  }

  /**
   * The bytes of the regular file at `path` as of `opts.layer`. Hard links are followed to their data;
   * symlinks are followed within the image unless `followSymlinks` is false, in which case the
   * stream holds the link's target text. Throws UserError when the path is absent or not a file.
   */
  async readFile(path: string, opts: { layer?: number; followSymlinks?: boolean } = {}): Promise<Readable> {
    const layer = this.checkLayer(opts.layer);
    const r = this.resolve(path, layer, opts.followSymlinks ?? true);
    const where = `${path} in ${this.model.input.source} as of layer ${layer}`;
    if (!r.ok)
      throw new UserError(
        `${r.message} (looking up ${where})`,
        "check the path and --layer (the explorer shows the tree as of every layer)",
      );
    if (r.type === EntryType.Symlink)
      return Readable.from([Buffer.from(`${this.model.stack.link(r.version) ?? ""}\n`)]);
    if (r.type === EntryType.Dir) {
      throw new UserError(
        `${where} is a directory`,
        `use 'layerview extract IMAGE ${path} DEST' to copy a directory`,
      );
    }
    if (r.type !== EntryType.File && r.type !== EntryType.Hardlink) {
      throw new UserError(`${where} is a device or fifo, not a regular file`);
    }
    const v = hardlinkData(this.model, r.version);
    if (v === null) throw new UserError(`${where} is a hard link whose target is not in the image`);
    return this.readVersion(v);
  }

  /** The explorer's entry point: the bytes of a tree node as of a layer (see readFile for links). */
  async readNode(node: number, layer: number, opts: { followSymlinks?: boolean } = {}): Promise<Readable> {
    return this.readFile(this.model.paths.path(node), { layer, followSymlinks: opts.followSymlinks });
  }

  /** Stream one regular-file version's bytes (from the layer blob that holds it). */
  async readVersion(version: number): Promise<Readable> {
    const stack = this.model.stack;
    if (stack.type(version) !== EntryType.File) throw new Error(`version ${version} is not a regular file`);
    const out = new PassThrough();
    const size = stack.size(version);
    if (size === 0) {
      out.end();
      return out;
    }
    const repeated = this.repeatedInLayer(version);
    let spoolDir: string | null = null;
    let spoolFile: string | null = null;
    let found = false;
    const run = async () => {
      try {
        await this.fetchVersions(
          [version],
          async (_v, data) => {
            found = true;
            if (!repeated) {
              await copyTo(this.checked(version, data), out);
              return;
            }
            // The same path more than once in this layer tar: keep the last copy, as the model does.
            spoolDir ??= await mkdtemp(tempDirPrefix("cat"));
            spoolFile = join(spoolDir, "data");
            const fh = await open(spoolFile, "w");
            try {
              await writeAll(data, fh);
            } finally {
              await fh.close();
            }
          },
          !repeated,
        );
        if (!found) throw this.notInBlob(version);
        if (spoolFile !== null) await copyTo(createReadStream(spoolFile), out);
      } finally {
        // Removed before the reader sees the end: the process may exit right after it.
        if (spoolDir !== null) await rm(spoolDir, { recursive: true, force: true });
      }
      out.end();
    };
    run().catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
    return out;
  }

  /**
   * Feed the data of several regular-file versions to `sink`, layer by layer (each needed blob read
   * once). A version whose path the layer tar repeats reaches the sink once per copy; the last wins.
   */
  async fetchVersions(versions: readonly number[], sink: VersionSink, firstOnly = false): Promise<void> {
    const vs = this.model.versions;
    const wanted = new Map<number, Set<string>>();
    const byKey = new Map<string, number>();
    for (const v of versions) {
      const L = vs.layer[v]!;
      const key = this.keyOf(vs.node[v]!);
      let keys = wanted.get(L);
      if (!keys) {
        keys = new Set();
        wanted.set(L, keys);
      }
      keys.add(key);
      byKey.set(`${L}\0${key}`, v);
    }
    await this.blobs.fetch(
      wanted,
      async (layer, key, data) => {
        const v = byKey.get(`${layer}\0${key}`);
        if (v === undefined) return drain(data);
        await sink(v, data);
      },
      firstOnly,
    );
  }

  notInBlob(version: number): UserError {
    const vs = this.model.versions;
    return new UserError(
      `${this.model.paths.path(vs.node[version]!)} was not found in layer ${vs.layer[version]}'s blob of ${this.model.input.source}`,
      "the image changed since it was read (a re-tagged daemon image, a rewritten archive); run the command again",
    );
  }

  /**
   * The bytes of a version, checked at their end against the content hash the image was indexed
   * with: a blob read again (possibly stopped early, unverified as a whole) cannot slip in other data.
   */
  private checked(version: number, data: AsyncIterable<unknown>): AsyncIterable<unknown> {
    const vs = this.model.versions;
    const e = vs.entry[version]!;
    const contents = this.model.stack.layers[vs.layer[version]!];
    if (e < 0 || contents === undefined || !hasContentHash(contents, e)) return data;
    const expected = contentDigestBytes(contents, e);
    // Hashed with BLAKE3 where this platform has no binding for it (the index came from elsewhere): unchecked.
    const hash = verifyingHasher(contentAlgorithm(contents, e));
    if (hash === null) return data;
    const changed = () => this.changedSince(version);
    return (async function* () {
      for await (const chunk of data) {
        hash.update(chunk as Buffer);
        yield chunk;
      }
      const digest = hash.digest();
      const d = typeof digest === "string" ? Buffer.from(digest, "latin1") : Buffer.from(digest);
      if (!d.subarray(0, expected.length).equals(expected)) throw changed();
    })();
  }

  private changedSince(version: number): UserError {
    const vs = this.model.versions;
    return new UserError(
      `${this.model.paths.path(vs.node[version]!)} in layer ${vs.layer[version]} of ${this.model.input.source} does not hold the content it was read with`,
      "the image changed since it was read, or its source served other data; run the command again",
    );
  }

  /** Path segments as the layer tar's normalised entry names have them ("" for the root). */
  private keyOf(node: number): string {
    return node === ROOT ? "" : this.model.paths.path(node).slice(1);
  }

  private repeatedInLayer(version: number): boolean {
    const vs = this.model.versions;
    const node = vs.node[version]!;
    const contents = this.model.stack.layers[vs.layer[version]!];
    return (contents?.problems ?? []).some((p) => {
      if (!p.message.includes("more than once")) return false;
      const parsed = parseEntryName(p.entry);
      return parsed.kind === "entry" && this.model.paths.lookup(parsed.segments) === node;
    });
  }
}

/** `layerview cat`: the bytes of PATH in IMAGE as of a layer (default the top one). */
export async function readFileContent(
  arg: string,
  path: string,
  opts: ContentOptions = {},
): Promise<Readable> {
  const { layer, followSymlinks, ...open } = opts;
  const content = await ImageContent.open(arg, open);
  return content.readFile(path, { layer, followSymlinks });
}

function refuseStdin(arg: string, opts: OpenOptions): void {
  if ((arg === "-" || arg.startsWith("-:")) && opts.source !== "docker" && opts.source !== "podman") {
    throw stdinRefused();
  }
}

function stdinRefused(): UserError {
  return new UserError(
    "reading files needs an image that can be read twice; standard input cannot",
    "save the archive to a file first (docker save IMAGE -o image.tar), or name the daemon image",
  );
}

// ------------------------------------------------------------------------------------------------
// Where the blobs come from

async function blobSourceFor(
  arg: string,
  opts: OpenOptions,
  model: ImageModel,
  data: ImageData | null,
): Promise<BlobSource> {
  // A bare name the daemon could not serve was read from its registry: the files come from there too.
  const registryRef = registryRefOf(model.input.source);
  if (registryRef !== null) return RegistryBlobSource.open(registryRef, opts, model);
  const resolved = resolveSource(arg, { source: opts.source, endpointEnv: opts.endpointEnv });
  const selection = { image: opts.image, platform: opts.platform };
  if (resolved.kind === "registry") return RegistryBlobSource.open(resolved.ref, opts, model);
  if (resolved.kind === "daemon") {
    const label = `${resolved.engine}://${resolved.ref}`;
    return new SpooledBlobSource(label, model, { platform: opts.platform }, async (consume) => {
      const { readDaemonImage } = await import("./daemon.js");
      await readDaemonImage(resolved.ref, {
        engine: resolved.engine,
        endpointEnv: opts.endpointEnv,
        platform: opts.platform,
        signal: opts.signal,
        readStream: async (stream) => {
          await consume(stream);
          // The explorer's model came from an earlier read; nothing here uses what is returned.
          return data ?? ({} as ImageData);
        },
      });
    });
  }
  const { path, image, st } = await locate(resolved.path);
  if (st === null) throw stdinRefused();
  if (image !== null) selection.image = image;
  if (st.isDirectory()) {
    const store = new DirStore(path, path);
    return new SeekableBlobSource(store, await planImage(store, selection, path), model);
  }
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    const compression = sniffCompression(head.subarray(0, bytesRead));
    if (compression === "gzip" || compression === "zstd") {
      return new SpooledBlobSource(path, model, selection, async (consume) => {
        await consume(createReadStream(path, { highWaterMark: 1 << 20 }));
      });
    }
    const store = await TarFileStore.open(path, path, fh, st.size);
    return new SeekableBlobSource(store, await planImage(store, selection, path), model);
  } finally {
    await fh.close();
  }
}

function registryRefOf(source: string): string | null {
  return source.startsWith("registry://") ? source.slice("registry://".length) : null;
}
