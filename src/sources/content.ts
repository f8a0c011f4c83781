/**
 * File contents: the bytes of a path as of a layer, read again from the layer blob that holds them.
 * The image is read once to build the model (which layer holds which version); then only the needed
 * layer blobs are streamed and only the needed entries kept — never a whole layer in memory.
 *
 * - An uncompressed archive file or an OCI layout directory: the blob is read by byte range.
 * - A gzip/zstd-compressed archive file or a daemon image: the archive is streamed once more; the
 *   needed entries of every layer-looking member are spooled to a temporary directory (their order
 *   in the stream is unknown until the manifest, which may come last), then served from there.
 * - Standard input cannot be read twice: refused.
 */
import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { type FileHandle, mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, type Writable } from "node:stream";
import type tar from "tar-stream";
import { UserError } from "../model/diagnostics.js";
import { ImageModel } from "../model/image-model.js";
import { EntryType, parseEntryName } from "../model/layer-contents.js";
import { PathTable, ROOT } from "../model/path-table.js";
import { hardlinkData, type ResolvedPath, resolveImagePath } from "../model/resolve-path.js";
import { locate } from "./archive.js";
import { type ArchiveStore, memberLink, resolveLinks } from "./archive-store.js";
import { DirStore } from "./dir-store.js";
import { type ImagePlan, planImage } from "./image-plan.js";
import { describeUnrecognised, SNIFF_BYTES, sniffCompression } from "./layer-blob.js";
import { fileChunks, type LayerToc, listLayerFromToc, readFileFromChunks, tocFormatOf } from "./layer-toc.js";
import type { SeekableStore } from "./read-layers.js";
import type { ResolvedRegistryImage } from "./registry/registry-image.js";
import { type OpenOptions, openImage, resolveSource } from "./resolve.js";
import { TarFileStore } from "./tar-file-store.js";
import { drain, prefixed, settled, walkArchive, walkTar } from "./tar-walk.js";
import type { Compression, ImageData } from "./types.js";

/** How much of one file a single Range request fetches from a registry. */
const RANGE_SLICE = 8 * 1024 * 1024;

export interface ContentOptions extends OpenOptions {
  /** The layer whose merged tree to read from (bottom = 0; default: the top layer). */
  layer?: number;
  /** Follow a symlink named by the path itself (default true; links inside the path are always followed). */
  followSymlinks?: boolean;
}

/** Called with the data of one requested regular-file version (possibly more than once, see fetch). */
export type VersionSink = (version: number, data: AsyncIterable<unknown>) => Promise<void>;

interface BlobSource {
  /**
   * Stream the data of the wanted entries (layer → entry keys), layer by layer, calling `sink` for
   * each. A path repeated in one layer tar reaches the sink once per copy, in tar order (the last
   * one is the one the model shows). With `firstOnly`, a layer's scan stops once every key was seen.
   */
  fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
    firstOnly: boolean,
  ): Promise<void>;
}

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
            spoolDir ??= await mkdtemp(join(tmpdir(), "layerview-cat-"));
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
    const hi = contents?.hashHi[e] ?? 0;
    const lo = contents?.hashLo[e] ?? 0;
    if (e < 0 || (hi === 0 && lo === 0)) return data;
    const changed = () => this.changedSince(version);
    return (async function* () {
      const hash = createHash("sha256");
      for await (const chunk of data) {
        hash.update(chunk as Buffer);
        yield chunk;
      }
      const d = hash.digest();
      if (d.readUInt32BE(0) !== hi || d.readUInt32BE(4) !== lo) throw changed();
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
    throw new UserError(
      "reading files needs an image that can be read twice; standard input cannot",
      "save the archive to a file first (docker save IMAGE -o image.tar), or name the daemon image",
    );
  }
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
  if (st === null) {
    throw new UserError(
      "reading files needs an image that can be read twice; standard input cannot",
      "save the archive to a file first (docker save IMAGE -o image.tar), or name the daemon image",
    );
  }
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

function checkPlan(plan: ImagePlan, model: ImageModel, label: string): void {
  const same =
    plan.layers.length === model.layerCount &&
    plan.layers.every((l, i) => l.descriptor.diffId === model.layers[i]!.diffId);
  if (!same) {
    throw new UserError(
      `${label} no longer holds the image that was read (its layers differ)`,
      "the archive or the daemon's image changed in the meantime; run the command again",
    );
  }
}

function registryRefOf(source: string): string | null {
  return source.startsWith("registry://") ? source.slice("registry://".length) : null;
}

/**
 * Files of a registry image: from a layer with a table of contents (eStargz, zstd:chunked) only
 * that file's chunks are fetched by Range; any other layer is streamed until its last wanted file
 * went by, then the connection is closed.
 */
class RegistryBlobSource implements BlobSource {
  private readonly tocs = new Map<number, Promise<LayerToc | null>>();

  private constructor(
    private readonly resolved: ResolvedRegistryImage,
    private readonly model: ImageModel,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(ref: string, opts: OpenOptions, model: ImageModel): Promise<RegistryBlobSource> {
    const { resolveRegistryImage } = await import("./registry/registry-image.js");
    const resolved = await resolveRegistryImage(ref, opts);
    const same =
      resolved.info.layers.length === model.layerCount &&
      resolved.info.layers.every((l, i) => l.diffId === model.layers[i]!.diffId);
    if (!same) {
      await resolved.client.close();
      throw new UserError(
        `${resolved.client.label}: ${resolved.ref.manifestRef} no longer names the image that was read (its layers differ)`,
        "the tag was pushed again in the meantime; run the command again, or name the image by digest",
      );
    }
    return new RegistryBlobSource(resolved, model, opts.signal);
  }

  async fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
    firstOnly: boolean,
  ): Promise<void> {
    const { client, layers } = this.resolved;
    for (const L of [...wanted.keys()].sort((a, b) => a - b)) {
      const d = layers[L]!;
      const keys = wanted.get(L)!;
      const offsets = this.model.stack.layers[L]?.dataOffset;
      if (offsets !== undefined) {
        // An uncompressed layer: each file is a byte range of the blob, its place known from the index.
        const missing = new Set<string>();
        for (const [key, e] of this.entriesOf(L, keys)) {
          if (e === -1) missing.add(key);
          else {
            const contents = this.model.stack.layers[L]!;
            const start = offsets[e]!;
            const size = contents.size[e]!;
            await sink(
              L,
              key,
              readBlobRange(client, d.digest, start, size, `layer ${L}'s file ${key}`, this.signal),
            );
          }
        }
        if (missing.size === 0) continue;
        keys.clear();
        for (const k of missing) keys.add(k);
      }
      const toc = offsets === undefined ? await this.tocOf(L) : null;
      if (toc !== null) {
        const range = (start: number, end: number, signal?: AbortSignal) =>
          client.range(d.digest, start, end, `layer ${L}'s chunks`, signal);
        const missing = new Set<string>();
        for (const key of keys) {
          const chunks = fileChunks(toc, key);
          if (chunks === null) missing.add(key);
          else await sink(L, key, readFileFromChunks(chunks, range, this.signal));
        }
        if (missing.size === 0) continue;
        keys.clear();
        for (const k of missing) keys.add(k);
      }
      await scanLayer(
        client.blob(d.digest, d.size, `the blob of layer ${L}`, undefined, this.signal),
        `${client.label}: layer ${L}`,
        keys,
        (key, data) => sink(L, key, data),
        firstOnly,
      );
    }
  }

  /** Each key's regular-file entry in layer L, or -1 where the layer holds no such file. */
  private entriesOf(L: number, keys: ReadonlySet<string>): Map<string, number> {
    const contents = this.model.stack.layers[L]!;
    const byNode = new Map<number, string>();
    const out = new Map<string, number>();
    for (const key of keys) {
      out.set(key, -1);
      const node = this.model.paths.lookup(key.split("/"));
      if (node >= 0) byNode.set(node, key);
    }
    for (let e = 0; e < contents.count; e++) {
      const key = byNode.get(contents.node[e]!);
      if (key !== undefined && contents.type[e] === EntryType.File) out.set(key, e);
    }
    return out;
  }

  /** The layer's TOC when it has a usable one (fetched once), else null: the layer is streamed. */
  private tocOf(L: number): Promise<LayerToc | null> {
    let toc = this.tocs.get(L);
    if (toc === undefined) {
      const { client, layers } = this.resolved;
      const d = layers[L]!;
      const info = { mediaType: d.mediaType, size: d.size ?? 0, annotations: d.annotations };
      toc =
        tocFormatOf(info) === null
          ? Promise.resolve(null)
          : listLayerFromToc(
              info,
              (start, end, signal) => client.range(d.digest, start, end, `the TOC of layer ${L}`, signal),
              new PathTable(),
              this.signal,
            ).then(
              (listing) => listing.toc,
              () => null,
            );
      this.tocs.set(L, toc);
    }
    return toc;
  }
}

class SeekableBlobSource implements BlobSource {
  constructor(
    private readonly store: SeekableStore & { open(path: string): Readable | AsyncIterable<unknown> },
    private readonly plan: ImagePlan,
    model: ImageModel,
  ) {
    checkPlan(plan, model, store.label);
  }

  async fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
    firstOnly: boolean,
  ): Promise<void> {
    for (const L of [...wanted.keys()].sort((a, b) => a - b)) {
      const planned = this.plan.layers[L]!;
      const member = planned.path === null ? null : this.store.resolve(planned.path);
      if (member === null) {
        throw new UserError(`${this.store.label}: layer ${L}'s blob is not in the archive`);
      }
      await scanLayer(
        this.store.open(member),
        `${this.store.label}: layer ${L}`,
        wanted.get(L)!,
        (key, data) => sink(L, key, data),
        firstOnly,
      );
    }
  }
}

type Member =
  | { kind: "file"; size: number; bytes: Buffer; complete: boolean; spooled: SpooledEntry[] }
  | { kind: "symlink" | "hardlink"; target: string }
  | { kind: "other" };

interface SpooledEntry {
  key: string;
  file: string;
}

class SpooledBlobSource implements BlobSource {
  constructor(
    private readonly label: string,
    private readonly model: ImageModel,
    private readonly selection: { image?: string; platform?: string },
    private readonly produce: (consume: (stream: AsyncIterable<unknown>) => Promise<void>) => Promise<void>,
  ) {}

  async fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
  ): Promise<void> {
    const keys = new Set<string>();
    for (const set of wanted.values()) for (const k of set) keys.add(k);
    // Members named by a layer's digest or DiffID (blobs/sha256/…, podman's <diffid>.tar) are known
    // before the manifest: scan those only for their own layer's entries, or skip them.
    const keysOfHex = new Map<string, Set<string>>();
    this.model.layers.forEach((l, i) => {
      for (const d of [l.digest, l.diffId]) {
        if (!d) continue;
        const hex = d.replace(/^sha256:/, "");
        const set = keysOfHex.get(hex) ?? new Set<string>();
        for (const k of wanted.get(i) ?? []) set.add(k);
        keysOfHex.set(hex, set);
      }
    });
    const keysFor = (path: string): ReadonlySet<string> => {
      const hex = /[a-f0-9]{64}/.exec(path)?.[0];
      return (hex === undefined ? undefined : keysOfHex.get(hex)) ?? keys;
    };
    const dir = await mkdtemp(join(tmpdir(), "layerview-spool-"));
    try {
      const members = new Map<string, Member>();
      let counter = 0;
      await this.produce((stream) =>
        walkArchive(stream, async (m) => {
          const path = m.path;
          if (m.kind === "symlink" || m.kind === "hardlink") {
            members.set(path, { kind: m.kind, target: m.target });
            return;
          }
          if (m.kind === "other") {
            members.set(path, { kind: "other" });
            return;
          }
          if (m.kind === "json") {
            members.set(path, { kind: "file", size: m.size, bytes: m.bytes, complete: true, spooled: [] });
            return;
          }
          const { size, head, rest } = m;
          const member: Member = {
            kind: "file",
            size,
            bytes: head,
            complete: head.length === size,
            spooled: [],
          };
          members.set(path, member);
          const memberKeys = keysFor(path);
          if (head.length === 0 || sniffCompression(head) === null || memberKeys.size === 0) return;
          await scanLayer(
            prefixed(head, rest),
            `${this.label}: ${path}`,
            memberKeys,
            async (key, entryData) => {
              const file = join(dir, String(counter++));
              const fh = await open(file, "wx");
              try {
                await writeAll(entryData, fh);
              } finally {
                await fh.close();
              }
              member.spooled.push({ key, file });
            },
            false,
          ).catch((e: unknown) => {
            // A member that only looked like a layer: not fatal unless the plan needs it.
            if (!(e instanceof UserError)) throw e;
          });
        }).then(
          () => {},
          (e: unknown) => {
            throw tarError(e, this.label);
          },
        ),
      );
      const store = new SpoolStore(this.label, members);
      const plan = await planImage(store, this.selection, this.label);
      checkPlan(plan, this.model, this.label);
      for (const L of [...wanted.keys()].sort((a, b) => a - b)) {
        const planned = plan.layers[L]!;
        const r = planned.path === null ? null : resolveLinks(members, memberLink, planned.path);
        if (r === null || r.entry.kind !== "file") {
          throw new UserError(`${this.label}: layer ${L}'s blob is not in the archive`);
        }
        const layerKeys = wanted.get(L)!;
        for (const s of r.entry.spooled) {
          if (layerKeys.has(s.key)) await sink(L, s.key, createReadStream(s.file));
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** What a spooling pass kept, served to planImage. */
class SpoolStore implements ArchiveStore {
  constructor(
    readonly label: string,
    private readonly members: Map<string, Member>,
  ) {}

  size(path: string): number | null {
    const r = resolveLinks(this.members, memberLink, path);
    return r !== null && r.entry.kind === "file" ? r.entry.size : null;
  }

  async readSmall(path: string): Promise<Buffer | null> {
    const r = resolveLinks(this.members, memberLink, path);
    return r !== null && r.entry.kind === "file" ? r.entry.bytes : null;
  }
}

// ------------------------------------------------------------------------------------------------
// Tar plumbing

/** Bytes [start, start + size) of a blob, fetched by Range a slice at a time (never the whole file at once). */
async function* readBlobRange(
  client: ResolvedRegistryImage["client"],
  digest: string,
  start: number,
  size: number,
  what: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  for (let at = start; at < start + size; at += RANGE_SLICE) {
    const end = Math.min(start + size, at + RANGE_SLICE) - 1;
    yield await client.range(digest, at, end, what, signal);
  }
}

/**
 * Scan one layer blob (any compression) for regular-file entries whose normalised names are in
 * `wanted`, giving each one's data to `onEntry`. With `firstOnly` it stops once all were seen.
 */
async function scanLayer(
  blob: AsyncIterable<unknown>,
  label: string,
  wanted: ReadonlySet<string>,
  onEntry: (key: string, data: AsyncIterable<unknown>) => Promise<void>,
  firstOnly: boolean,
): Promise<void> {
  const seen = new Set<string>();
  const refuse = (head: Buffer, compression: Compression | null) => {
    if (compression === null && head.length > 0)
      throw new UserError(`${label}: ${describeUnrecognised(head)}`);
  };
  // A failure of the caller's own (a file that cannot be written) passes through as it is.
  const own = new WeakSet<object>();
  await walkTar(
    blob,
    async (header, data) => {
      const key = fileKey(header);
      if (key === null || !wanted.has(key)) return drain(data);
      seen.add(key);
      try {
        await onEntry(key, data);
      } catch (e) {
        if (e instanceof Object) own.add(e);
        throw e;
      }
      return !(firstOnly && seen.size === wanted.size);
    },
    { onHead: refuse },
  ).catch((e: unknown) => {
    throw e instanceof Object && own.has(e) ? e : tarError(e, label);
  });
}

/** The normalised name of a regular-file entry, or null for anything else. */
function fileKey(header: tar.Header): string | null {
  if (header.type !== "file" && header.type !== "contiguous-file") return null;
  if (header.name.endsWith("/")) return null;
  const parsed = parseEntryName(header.name);
  return parsed.kind === "entry" && parsed.segments.length > 0 ? parsed.segments.join("/") : null;
}

function tarError(e: unknown, label: string): Error {
  if (e instanceof UserError) return e;
  const message = (e as Error)?.message ?? String(e);
  return new UserError(
    `${label}: the layer could not be read again (${message})`,
    "the image may have changed or be damaged; run the command again",
  );
}

/** Copy an async iterable of buffers into a writable, honouring backpressure; does not end it. */
export async function copyTo(data: AsyncIterable<unknown>, out: Writable): Promise<void> {
  for await (const chunk of data) {
    if (out.destroyed) throw new Error("the output was closed");
    if (!out.write(chunk as Buffer)) await settled(out, "drain");
  }
}

/** Write an async iterable of buffers to an open file, from its start; returns the bytes written. */
export async function writeAll(data: AsyncIterable<unknown>, fh: FileHandle): Promise<number> {
  let written = 0;
  await fh.truncate(0);
  for await (const chunk of data) {
    const b = chunk as Buffer;
    let off = 0;
    while (off < b.length) {
      const { bytesWritten } = await fh.write(b, off, b.length - off, written);
      off += bytesWritten;
      written += bytesWritten;
    }
  }
  return written;
}
