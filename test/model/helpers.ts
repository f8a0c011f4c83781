import { createHash } from "node:crypto";
import type { ImageModelInput } from "../../src/model/image-model.js";
import { ImageModel } from "../../src/model/image-model.js";
import { EntryType, type LayerContents, LayerContentsBuilder } from "../../src/model/layer-contents.js";
import { PathTable } from "../../src/model/path-table.js";

/** One tar entry, as short as a test wants it: `{ name: "etc/a", content: "x" }` is a file. */
export interface E {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink";
  content?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  link?: string;
}

const TYPES = {
  file: EntryType.File,
  dir: EntryType.Dir,
  symlink: EntryType.Symlink,
  hardlink: EntryType.Hardlink,
};

export function layerOf(paths: PathTable, entries: E[]): LayerContents {
  const b = new LayerContentsBuilder(paths);
  for (const e of entries) {
    const type = TYPES[e.type ?? (e.name.endsWith("/") ? "dir" : "file")];
    const content = e.content ?? "";
    const digest = createHash("sha256").update(content).digest();
    b.add(
      {
        name: e.name,
        type,
        mode: e.mode ?? (type === EntryType.Dir ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        size: type === EntryType.File ? (e.size ?? Buffer.byteLength(content)) : 0,
        mtime: 0,
        linkName: e.link ?? null,
      },
      digest,
    );
  }
  return b.finish();
}

/** Build a model from layers given as entry lists, bottom first, with optional history. */
export function modelOf(
  layers: E[][],
  history?: { created_by?: string; empty_layer?: boolean; comment?: string; created?: string }[],
  extra: Partial<Pick<ImageModelInput, "exactBase" | "baseAnnotations">> & { diffIds?: string[] } = {},
): ImageModel {
  const paths = new PathTable();
  const input: ImageModelInput = {
    source: "test",
    reference: null,
    id: null,
    config: { history },
    exactBase: extra.exactBase,
    baseAnnotations: extra.baseAnnotations,
    readLayers: layers.map((entries, i) => ({
      descriptor: {
        diffId: extra.diffIds?.[i] ?? null,
        digest: null,
        mediaType: null,
        blobSize: null,
        compression: "none",
      },
      contents: layerOf(paths, entries),
      error: null,
    })),
    paths,
  };
  return ImageModel.build(input);
}

export function node(model: ImageModel, path: string): number {
  const n = model.paths.lookup(path.split("/").filter(Boolean));
  if (n < 0) throw new Error(`no node for ${path}`);
  return n;
}
