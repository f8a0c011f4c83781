import { UserError } from "../../model/diagnostics.js";
import type { ImageModel } from "../../model/image-model.js";
import { EntryType } from "../../model/layer-contents.js";
import { PathTable } from "../../model/path-table.js";
import {
  fileChunks,
  type LayerToc,
  listLayerFromToc,
  readFileFromChunks,
  tocFormatOf,
} from "../layer-toc.js";
import type { ResolvedRegistryImage } from "../registry/registry-image.js";
import type { OpenOptions } from "../resolve.js";
import { type BlobSource, scanLayer } from "./blob-source.js";

/** How much of one file a single Range request fetches from a registry. */
const RANGE_SLICE = 8 * 1024 * 1024;

/**
 * Files of a registry image: from a layer with a table of contents (eStargz, zstd:chunked) only
 * that file's chunks are fetched by Range; any other layer is streamed until its last wanted file
 * went by, then the connection is closed.
 */
export class RegistryBlobSource implements BlobSource {
  private readonly tocs = new Map<number, Promise<LayerToc | null>>();

  private constructor(
    private readonly resolved: ResolvedRegistryImage,
    private readonly model: ImageModel,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(ref: string, opts: OpenOptions, model: ImageModel): Promise<RegistryBlobSource> {
    const { resolveRegistryImage } = await import("../registry/registry-image.js");
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
