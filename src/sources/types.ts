import type { BaseAnnotations } from "../model/base-image.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { LayerContents } from "../model/layer-contents.js";
import type { LayerPackageFiles } from "../model/package-db.js";
import type { PathTable } from "../model/path-table.js";

/** The image config blob as engines write it (OCI config / Docker image JSON); fields are optional in practice. */
export interface RawImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
    [key: string]: unknown;
  };
  rootfs?: { type?: string; diff_ids?: Array<string | null> };
  history?: RawHistoryEntry[];
  [key: string]: unknown;
}

export interface RawHistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export type Compression = "none" | "gzip" | "zstd";

/** What the manifest says of one layer, known before its blob is read. */
export interface LayerDescriptor {
  /** Position in the image, bottom layer = 0. */
  index: number;
  /** DiffID from the config's rootfs.diff_ids (sha256 of the uncompressed tar). */
  diffId: string | null;
  /** Digest of the blob as stored (for an uncompressed blob, the same as the DiffID). */
  digest: string | null;
  mediaType: string | null;
  /** Size of the blob as stored, in bytes, when known. */
  blobSize: number | null;
  /** Set once the blob's first bytes were seen. */
  compression: Compression | null;
}

export interface ReadLayer {
  descriptor: LayerDescriptor;
  /** Null when the layer could not be read; `error` then says why. */
  contents: LayerContents | null;
  error: string | null;
  /** The layer's package databases, decoded; absent when they were not kept (a TOC listing, the cache). */
  packages?: LayerPackageFiles | null;
}

export interface ImageInfo {
  /** What the user named: archive path (plus :name:tag), "-" or a daemon reference. */
  source: string;
  /** Image reference (repo:tag) when the archive names one. */
  reference: string | null;
  /** Image ID: the config digest (sha256:…). */
  id: string | null;
  config: RawImageConfig;
  layers: LayerDescriptor[];
  /** The chosen image's platform, `os/arch[/variant]`, when the config or index says. */
  platform?: string | null;
  /** Every name the archive gives this image (RepoTags, index ref names), `reference` first. */
  tags?: string[];
  /** org.opencontainers.image.base.* annotations on the manifest or its index entry, when there are any. */
  baseAnnotations?: BaseAnnotations | null;
}

export interface ImageData extends ImageInfo {
  /** Layers in image order, each read or failed. */
  readLayers: ReadLayer[];
  /** The path table every layer's contents were interned into. */
  paths: PathTable;
  /** Partial problems (unreadable layer, odd entries); fatal ones are thrown as UserError. */
  diagnostics: Diagnostic[];
}

export interface ReadProgress {
  /** Image layer index; -1 while a one-pass stream reads a blob before the manifest maps it. */
  layer: number;
  /** Archive path of the blob being read, when it comes from an archive. */
  blob?: string;
  bytesRead: number;
  totalBytes: number | null;
  entries: number;
}

export interface ReadOptions {
  /** `name:tag` (or name) to pick one of several images in an archive. */
  image?: string;
  /** `os/arch[/variant]`; defaults to the host's, else the only one. */
  platform?: string;
  /** Called as soon as manifest and config are known, before layers are read. */
  onImage?: (info: ImageInfo) => void;
  onProgress?: (p: ReadProgress) => void;
  /** Called as each layer finishes (not necessarily in order for a one-pass stream). */
  onLayer?: (layer: ReadLayer) => void;
  /**
   * Called each time the layers read so far, from the bottom, grow while others are still being
   * read (archives and registries read in order; one-pass streams never call it). `snapshot` makes
   * an image of its own from them — the layers not read yet empty — only when called.
   */
  onPartial?: (layersRead: number, snapshot: () => ImageData) => void;
  signal?: AbortSignal;
  /**
   * 0: read every layer in this thread. Unset (the default): a worker thread reads an archive's or
   * OCI layout's layers of many small files while this one interns their paths, when enough of
   * them are left to pay for its start (WORKER_TAR_BYTES_PER_ENTRY and WORKER_MIN_ENTRIES in
   * read-layers.ts, measured). 1 or more: the worker for any layers of many small files. Never more
   * than one worker.
   */
  threads?: number;
}
