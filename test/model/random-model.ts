import type { ImageModel } from "../../src/model/image-model.js";
import { type E, modelOf } from "./helpers.js";

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const NAMES = ["a", "b", "c", "ab", "lib", "x.so", "y.x", "bin", "ca"];

/** A random image: paths from a few short names, files, dirs, links, whiteouts, opaque dirs. */
export function randomModel(seed: number, layers = 5, perLayer = 25): ImageModel {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const path = () => {
    const depth = 1 + Math.floor(r() * 4);
    return Array.from({ length: depth }, () => pick(NAMES)).join("/");
  };
  const ls: E[][] = [];
  for (let L = 0; L < layers; L++) {
    const entries: E[] = [];
    for (let i = 0; i < perLayer; i++) {
      const p = path();
      const k = r();
      if (L > 0 && k < 0.12) {
        const parts = p.split("/");
        parts[parts.length - 1] = `.wh.${parts[parts.length - 1]}`;
        entries.push({ name: parts.join("/") });
      } else if (L > 0 && k < 0.16) {
        entries.push({ name: `${p}/.wh..wh..opq` });
      } else if (k < 0.35) {
        entries.push({ name: `${p}/`, type: "dir", mode: r() < 0.5 ? 0o755 : 0o700 });
      } else if (k < 0.42) {
        entries.push({ name: p, type: "symlink", link: pick(NAMES) });
      } else {
        entries.push({ name: p, content: pick(["1", "22", "333", "4444"]), size: Math.floor(r() * 5000) });
      }
    }
    ls.push(entries);
  }
  return modelOf(ls);
}
