import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { type Diagnostic, UserError } from "../model/diagnostics.js";
import { PathTable } from "../model/path-table.js";
import { fileError, locate } from "./archive-path.js";
import { DirStore } from "./dir-store.js";
import { sniffCompression } from "./layer-blob.js";
import { readPlannedLayers, type SeekableStore } from "./read-layers.js";
import { planWithEndCheck, readArchiveStream } from "./stream-reader.js";
import { TarFileStore } from "./tar-file-store.js";
import type { ImageData, ReadOptions } from "./types.js";

/**
 * Read an image from a file or directory the user named:
 * - a tar archive (docker save, podman docker-archive, Docker 25+/containerd, OCI archive, kaniko):
 *   headers are walked first, the image and platform chosen, `onImage` called, then only the chosen
 *   image's layer blobs are streamed by byte range, in image order;
 * - a gzip- or zstd-compressed archive (detected from its bytes): read in one pass like a stream;
 * - an OCI layout directory;
 * - "-" for stdin (one pass).
 * `ARCHIVE:name[:tag]` picks an image when the whole text is not itself an existing path
 * (also `-:name:tag` for stdin). Fatal problems throw UserError; layer problems become diagnostics.
 */
export async function readImage(input: string, opts: ReadOptions): Promise<ImageData> {
  opts.signal?.throwIfAborted();
  const { path, image, st } = await locate(input);
  const options = mergeImage(opts, image, input);
  if (path === "-") return readArchiveStream(process.stdin, "-", input, options);
  if (st!.isDirectory()) return readLayoutDir(path, input, options);
  if (st!.isFIFO() || st!.isCharacterDevice() || st!.isSocket()) {
    // A pipe such as `<(docker save app)`: one pass, like stdin.
    return readArchiveStream(createReadStream(path, { highWaterMark: 1 << 20 }), path, input, options);
  }
  if (!st!.isFile()) {
    throw new UserError(
      `${path} is not a regular file or directory`,
      "give an image archive or an OCI layout directory",
    );
  }
  const fh = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    throw fileError(path, e);
  });
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead === 0) {
      throw new UserError(
        `${path} is empty: not an image archive`,
        "save the image again, e.g. 'docker save IMAGE -o image.tar'",
      );
    }
    const compression = sniffCompression(head.subarray(0, bytesRead));
    if (compression === "gzip" || compression === "zstd") {
      // A compressed outer archive cannot be seeked: read it in one pass.
      return await readArchiveStream(
        createReadStream(path, { highWaterMark: 1 << 20 }),
        path,
        input,
        options,
      );
    }
    const store = await TarFileStore.open(path, path, fh, st!.size);
    return await readFromStore(store, input, options, store.complete);
  } finally {
    await fh.close();
  }
}

/**
 * Read an image archive from a one-pass stream (stdin, a daemon's `GET /images/get` body).
 * The outer archive may be gzip- or zstd-compressed; members may come in any order. `onImage` and
 * `onLayer` are called once the whole stream was read; `onProgress` reports `layer: -1` and the
 * member path while blobs stream by.
 */
export async function readImageStream(
  stream: Readable,
  label: string,
  opts: ReadOptions,
): Promise<ImageData> {
  return readArchiveStream(stream, label, label, opts);
}

async function readLayoutDir(dir: string, source: string, opts: ReadOptions): Promise<ImageData> {
  const store = new DirStore(dir, dir);
  if (store.size("index.json") === null && store.size("manifest.json") === null) {
    throw new UserError(
      `${dir} is a directory but not an OCI image layout (no index.json)`,
      "give a directory made by 'skopeo copy … oci:DIR' or an image archive file",
    );
  }
  return readFromStore(store, source, opts, true);
}

async function readFromStore(
  store: SeekableStore,
  source: string,
  opts: ReadOptions,
  complete: boolean,
): Promise<ImageData> {
  const plan = await planWithEndCheck(store, opts, source, complete);
  opts.onImage?.(plan.info);
  const paths = new PathTable();
  const diagnostics: Diagnostic[] = [...plan.diagnostics];
  const readLayers = await readPlannedLayers(plan, store, paths, opts, diagnostics);
  return { ...plan.info, readLayers, paths, diagnostics };
}

function mergeImage(opts: ReadOptions, image: string | null, input: string): ReadOptions {
  if (image === null) return opts;
  if (opts.image && opts.image !== image) {
    throw new UserError(
      `${input} names image '${image}' but '${opts.image}' was asked for too`,
      "name the image only once",
    );
  }
  return { ...opts, image };
}
