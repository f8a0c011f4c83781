/**
 * A synthetic image for the UI benchmark and demo: about a million tar entries over ten layers,
 * with overwrites, whiteouts of files and whole directories, an opaque directory per layer, and
 * symlinks — built in memory, no archive involved.
 */
import { EventEmitter } from "node:events";
import { ImageModel } from "../src/model/image-model.js";
import { EntryType, LayerContentsBuilder } from "../src/model/layer-contents.js";
import { PathTable } from "../src/model/path-table.js";

export interface SyntheticOptions {
  /** Packages in the base layer; each has 5 directories of `filesPerDir` files. */
  packages?: number;
  filesPerDir?: number;
  /** Layers on top of the base. */
  upperLayers?: number;
  /** New and overwritten files per upper layer (each). */
  churn?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SUBDIRS = ["bin", "lib", "share", "doc", "etc"];

export function syntheticModel(opts: SyntheticOptions = {}): ImageModel {
  const packages = opts.packages ?? 2600;
  const filesPerDir = opts.filesPerDir ?? 70;
  const upper = opts.upperLayers ?? 9;
  const churn = opts.churn ?? 10_000;
  const rand = rng(42);
  const paths = new PathTable(1 << 20);
  const layers: { contents: ReturnType<LayerContentsBuilder["finish"]>; command: string }[] = [];
  const file = (b: LayerContentsBuilder, name: string, size: number, hash: number, mode = 0o644) =>
    b.add(
      { name, type: EntryType.File, mode, uid: 0, gid: 0, size, mtime: 0, linkName: null },
      syntheticDigest(hash),
    );
  const dir = (b: LayerContentsBuilder, name: string) =>
    b.add({ name, type: EntryType.Dir, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, linkName: null });
  const fileName = (p: number, d: number, f: number) =>
    `usr/pkg${String(p).padStart(5, "0")}/${SUBDIRS[d]}/${d === 1 ? `lib${f}.so.${p % 7}` : `file-${f}.dat`}`;

  const base = new LayerContentsBuilder(paths, packages * 5 * (filesPerDir + 1) + 16);
  dir(base, "usr/");
  for (let p = 0; p < packages; p++) {
    dir(base, `usr/pkg${String(p).padStart(5, "0")}/`);
    for (let d = 0; d < SUBDIRS.length; d++) {
      dir(base, `usr/pkg${String(p).padStart(5, "0")}/${SUBDIRS[d]}/`);
      for (let f = 0; f < filesPerDir; f++) {
        file(base, fileName(p, d, f), Math.floor(rand() ** 3 * 2_000_000), p * 1000 + d * 100 + f);
      }
    }
    if (p % 100 === 0) {
      base.add({
        name: `usr/pkg${String(p).padStart(5, "0")}/current`,
        type: EntryType.Symlink,
        mode: 0o777,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        linkName: "lib",
      });
    }
  }
  layers.push({ contents: base.finish(), command: "/bin/sh -c #(nop) ADD file:base in / " });

  for (let L = 1; L <= upper; L++) {
    const b = new LayerContentsBuilder(paths, 2 * churn + 64);
    for (let i = 0; i < churn; i++) {
      const p = Math.floor(rand() * packages);
      const d = Math.floor(rand() * SUBDIRS.length);
      const f = Math.floor(rand() * filesPerDir);
      file(b, fileName(p, d, f), Math.floor(rand() * 3_000_000), L * 7919 + i);
    }
    for (let i = 0; i < churn; i++) {
      file(b, `opt/layer${L}/dir${i % 100}/new-${i}.bin`, Math.floor(rand() * 1_000_000), L * 104729 + i);
    }
    for (let i = 0; i < 200; i++) {
      const p = Math.floor(rand() * packages);
      b.add({
        name: `${fileName(p, 2, Math.floor(rand() * filesPerDir)).replace(/[^/]+$/, (n) => `.wh.${n}`)}`,
        type: EntryType.File,
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        linkName: null,
      });
    }
    for (let i = 0; i < 3; i++) {
      const p = Math.floor(rand() * packages);
      file(b, `usr/.wh.pkg${String(p).padStart(5, "0")}`, 0, 0);
    }
    file(b, `usr/pkg${String(L * 11).padStart(5, "0")}/doc/.wh..wh..opq`, 0, 0);
    layers.push({
      contents: b.finish(),
      command: `/bin/sh -c apt-get install -y layer-${L}-packages && rm -rf /usr/pkg*/share/junk-${L}`,
    });
  }

  const history = layers.flatMap((l, i) => [
    { created_by: l.command },
    { created_by: `/bin/sh -c #(nop)  ENV STEP=${i}`, empty_layer: true },
  ]);
  return ImageModel.build({
    source: "synthetic",
    reference: "example.com/synthetic:1m",
    id: null,
    config: { history },
    readLayers: layers.map((l) => ({
      descriptor: { diffId: null, digest: null, mediaType: null, blobSize: null, compression: "none" },
      contents: l.contents,
      error: null,
    })),
    paths,
  });
}

/** A terminal's stdin for Ink that the benches type into: one chunk per `write`, read once. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit("readable");
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/** A stand-in content hash: equal numbers give equal digests (the bench's duplicates), others differ. */
function syntheticDigest(n: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  new DataView(b.buffer).setUint32(4, (n ^ 0x5a5a) >>> 0);
  return b;
}
