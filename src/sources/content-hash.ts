/**
 * The hash functions behind content identity (see HashScheme in model/layer-contents.ts): Node's
 * SHA-256 for small files and BLAKE3 for large ones, from @napi-rs/blake-hash — a prebuilt N-API
 * binary installed from the npm registry per platform, no compiler, the same on every Node major.
 * Where no binary exists for the platform, layers are hashed with SHA-256 throughout (HashScheme.Sha256):
 * slower on large files, never wrong. Measured in bench/hash.js: on this machine BLAKE3 hashes 300 MB
 * in 36 ms, SHA-256 (SHA-NI) in 177 ms, and SHA-256 gains nothing from a second core (the two vCPUs
 * share one SHA unit), while BLAKE3 is also faster per call from 8 KiB up.
 */
import { createHash, type Hash, hash as hashOnce } from "node:crypto";
import { createRequire } from "node:module";
import { BLAKE3_MIN_BYTES, type ContentDigest, HashScheme } from "../model/layer-contents.js";

interface Blake3Module {
  blake3(input: Uint8Array): Buffer;
  Blake3Hasher: new () => { update(input: Uint8Array): unknown; digestBuffer(): Buffer };
}

/** An incremental hash of one file's data. */
export interface ContentHasher {
  update(data: Uint8Array): void;
  digest(): ContentDigest;
}

/** Hashes file data as one layer's HashScheme says. */
export interface ContentHashing {
  readonly scheme: HashScheme;
  /** The digest of a whole file's data given at once. */
  once(data: Uint8Array): ContentDigest;
  /** A hasher for a file of `size` bytes that arrives in pieces. */
  start(size: number): ContentHasher;
}

/**
 * The binding, or null where it cannot load (no binary for this platform). Node's module cache keeps
 * one copy per thread; a failure is tried again at the next layer, which costs a failed lookup only.
 */
function loadBlake3(): Blake3Module | null {
  try {
    return createRequire(import.meta.url)("@napi-rs/blake-hash") as Blake3Module;
  } catch {
    return null;
  }
}

class Sha256Hasher implements ContentHasher {
  private readonly h: Hash = createHash("sha256");
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  digest(): ContentDigest {
    return this.h.digest("binary");
  }
}

class Blake3Hasher implements ContentHasher {
  private readonly h: InstanceType<Blake3Module["Blake3Hasher"]>;
  constructor(b3: Blake3Module) {
    this.h = new b3.Blake3Hasher();
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  digest(): ContentDigest {
    return this.h.digestBuffer();
  }
}

const SHA256_ONLY: ContentHashing = {
  scheme: HashScheme.Sha256,
  // Digests as latin1 ("binary") strings: twice as fast as Buffers for a million small files.
  once: (data) => hashOnce("sha256", data, "binary"),
  start: () => new Sha256Hasher(),
};

/** The hashing for a layer read now: BLAKE3 for large files when the binding loads, else SHA-256 only. */
export function contentHashing(wanted: HashScheme = HashScheme.Blake3Large): ContentHashing {
  const b3 = wanted === HashScheme.Blake3Large ? loadBlake3() : null;
  if (b3 === null) return SHA256_ONLY;
  return {
    scheme: HashScheme.Blake3Large,
    once: (data) => (data.length >= BLAKE3_MIN_BYTES ? b3.blake3(data) : hashOnce("sha256", data, "binary")),
    start: (size) => (size >= BLAKE3_MIN_BYTES ? new Blake3Hasher(b3) : new Sha256Hasher()),
  };
}

/** A hasher for checking entry data against a stored hash made by `algorithm`; null when it cannot be made here. */
export function verifyingHasher(algorithm: "sha256" | "blake3"): ContentHasher | null {
  if (algorithm === "sha256") return new Sha256Hasher();
  const b3 = loadBlake3();
  return b3 === null ? null : new Blake3Hasher(b3);
}
