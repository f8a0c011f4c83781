/**
 * Walking a tar stream that is read once (an image archive on stdin, a daemon's export, a layer blob
 * fetched again): gzip or zstd undone when the first bytes say so, members handed out one at a time
 * with backpressure, and the outer archive's members classified the one way every reader needs.
 */
import type { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import {
  type ArchiveStore,
  jsonTooLarge,
  MAX_JSON_BYTES,
  memberLink,
  normalizeArchivePath,
  resolveLinks,
} from "./archive-store.js";
import { OUTPUT_CHUNK, SNIFF_BYTES, sniffCompression } from "./layer-blob.js";
import { drain, peek, prefixed, settled } from "./stream-io.js";
import type { Compression } from "./types.js";
import { createZstdDecompress } from "./zstd.js";

export interface TarWalkOptions {
  signal?: AbortSignal;
  /** Every input chunk, before decompression. */
  onInput?: (chunk: Buffer) => void;
  /** Every chunk of the tar itself, after decompression. */
  onTar?: (chunk: Buffer) => void;
  /** The first bytes and what they are; may throw to refuse the stream before any member is read. */
  onHead?: (head: Buffer, compression: Compression | null) => void;
}

/**
 * Walk the members of a tar stream (gzip or zstd undone). `onEntry` must consume each member's data;
 * resolving to false stops the walk. The stream's own failures are thrown as they are (callers word
 * them for their input); an error thrown by `onEntry` passes through unchanged.
 */
export async function walkTar(
  input: AsyncIterable<unknown> & { destroy?: () => void },
  onEntry: (header: tar.Header, data: AsyncIterable<unknown>) => Promise<unknown>,
  options: TarWalkOptions = {},
): Promise<{ compression: Compression | null }> {
  const { signal } = options;
  signal?.throwIfAborted();
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  let decompressor = null as Transform | null;
  let compression: Compression | null = null;
  const onAbort = () => {
    input.destroy?.();
    decompressor?.destroy();
    extract.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  const toTar = async (chunk: Buffer) => {
    if (extract.destroyed) return;
    options.onTar?.(chunk);
    if (!extract.write(chunk)) await settled(extract, "drain");
  };
  let feedError: unknown = null;
  const feed = (async () => {
    try {
      const { head, rest } = await peek(input, 4, options.onInput);
      compression = sniffCompression(head);
      options.onHead?.(head, compression);
      if (compression === "gzip" || compression === "zstd") {
        const d: Transform =
          compression === "gzip"
            ? createGunzip({ chunkSize: OUTPUT_CHUNK })
            : createZstdDecompress({ chunkSize: OUTPUT_CHUNK });
        decompressor = d;
        const out = (async () => {
          for await (const c of d) await toTar(c as Buffer);
        })();
        out.catch(() => {});
        try {
          for await (const c of prefixed(head, rest)) {
            if (d.destroyed || extract.destroyed) break;
            if (!d.write(c)) await settled(d, "drain");
          }
          d.end();
        } finally {
          await out; // a decompression error surfaces here
        }
      } else {
        for await (const c of prefixed(head, rest)) {
          if (extract.destroyed) break;
          await toTar(c);
        }
      }
      (extract as unknown as { end(): void }).end(); // streamx types demand an argument it does not need
    } catch (e) {
      feedError = e;
      extract.destroy(e as Error);
    }
  })();

  let callerError: { error: unknown } | null = null;
  let walkError: unknown = null;
  try {
    for await (const entry of extract) {
      // tar-stream never ends the data of a directory entry whose header gives it a size (and reads
      // that data as the next header): waiting for it would hang, so the walk stops here.
      if (entry.header.type === "directory" && (entry.header.size ?? 0) > 0) {
        throw new Error(
          `the directory entry '${entry.header.name}' carries ${entry.header.size} bytes of data`,
        );
      }
      let go: unknown;
      try {
        go = await onEntry(entry.header, entry);
      } catch (e) {
        callerError = { error: e };
        break;
      }
      if (go === false) break;
    }
  } catch (e) {
    walkError = e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    extract.destroy();
    if (callerError !== null || walkError !== null) {
      decompressor?.destroy();
      input.destroy?.();
    }
    await feed;
  }
  signal?.throwIfAborted();
  if (callerError !== null) throw callerError.error;
  const failure = walkError ?? feedError;
  if (failure !== null) throw failure;
  return { compression };
}

/** One member of an outer image archive, named by its normalised path. */
export type ArchiveMember =
  | { kind: "symlink"; path: string; target: string }
  | { kind: "hardlink"; path: string; target: string }
  | { kind: "other"; path: string }
  /** A small member that looks like JSON, read whole. */
  | { kind: "json"; path: string; size: number; bytes: Buffer }
  /** Any other regular file: its first bytes (for sniffing) and the rest, which must be consumed. */
  | { kind: "file"; path: string; size: number; head: Buffer; rest: AsyncIterable<unknown> };

/** Walk an outer image archive member by member (names outside the archive are skipped). */
export function walkArchive(
  input: AsyncIterable<unknown> & { destroy?: () => void },
  onMember: (member: ArchiveMember) => Promise<void>,
  options: TarWalkOptions = {},
): Promise<{ compression: Compression | null }> {
  return walkTar(
    input,
    async (h, data) => {
      const path = normalizeArchivePath(h.name);
      if (path === null) return drain(data);
      if (h.type === "symlink" || h.type === "link") {
        const target = h.linkname ?? "";
        await onMember(
          h.type === "link" ? { kind: "hardlink", path, target } : { kind: "symlink", path, target },
        );
        return drain(data);
      }
      if (h.type !== "file" && h.type !== "contiguous-file") {
        await onMember({ kind: "other", path });
        return drain(data);
      }
      const size = h.size ?? 0;
      const { head, rest } = await peek(data, SNIFF_BYTES);
      if (looksLikeJson(head) && size <= MAX_JSON_BYTES) {
        const chunks = [head];
        for await (const c of rest) chunks.push(c as Buffer);
        return onMember({ kind: "json", path, size, bytes: Buffer.concat(chunks) });
      }
      await onMember({ kind: "file", path, size, head, rest });
      return drain(rest);
    },
    options,
  );
}

/** `{` or `[` after an optional BOM and whitespace. */
export function looksLikeJson(head: Buffer): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  return head[i] === 0x7b || head[i] === 0x5b;
}

/** What a one-pass walk keeps of a member: small JSON whole, the first bytes of anything else. */
export type KeptMember<File> =
  | ({ kind: "file"; size: number; bytes: Buffer; complete: boolean } & File)
  | { kind: "symlink" | "hardlink"; target: string }
  | { kind: "other" };

/** The members a one-pass walk kept, served as an ArchiveStore for planning. */
export class KeptMembers<File> implements ArchiveStore {
  constructor(
    readonly label: string,
    readonly members: Map<string, KeptMember<File>>,
  ) {}

  /** The regular file at `path`, links followed. */
  file(path: string): (KeptMember<File> & { kind: "file" }) | null {
    const r = resolveLinks(this.members, memberLink, path);
    return r !== null && r.entry.kind === "file" ? r.entry : null;
  }

  size(path: string): number | null {
    return this.file(path)?.size ?? null;
  }

  async readSmall(path: string): Promise<Buffer | null> {
    const f = this.file(path);
    if (f === null) return null;
    if (!f.complete && f.size > MAX_JSON_BYTES) throw jsonTooLarge(this.label, path, f.size);
    // A member that did not look like JSON: hand back its first bytes so parsing reports it.
    return f.bytes;
  }
}
