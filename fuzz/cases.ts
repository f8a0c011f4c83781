/** One fuzz case from (run seed, case number): which seed, which mutations, which command. */

import { gunzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { type RawTarEntry, writeTar } from "../test/fixtures/tar-writer.js";
import {
  compressionOf,
  Mutant,
  mutateCompressed,
  mutateJsonMember,
  mutateLayer,
  mutateMembers,
  mutateRaw,
} from "./mutate.js";
import { Rng } from "./rng.js";
import type { Seed } from "./seeds.js";
import { parseTar } from "./tar.js";

/** Placeholders in a case's arguments, filled by the runner with paths of its own. */
export const ARCHIVE = "<archive>";
export const ORIGINAL = "<original>";
export const DEST = "<dest>";

export const COMMANDS = ["--json", "--report", "--ci", "cat", "extract", "diff"] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface FuzzCase {
  number: number;
  seed: string;
  command: CommandName;
  args: string[];
  archive: Buffer;
  mutations: string[];
}

interface SeedInfo {
  members: RawTarEntry[] | null;
  paths: string[];
}

const seedInfo = new WeakMap<Seed, SeedInfo>();

function infoOf(seed: Seed): SeedInfo {
  let info = seedInfo.get(seed);
  if (info) return info;
  const members = parseTar(seed.bytes);
  const paths = new Set<string>();
  for (const m of members ?? []) {
    if (!m.data || m.data.length < 512) continue;
    const c = compressionOf(m.data);
    let tar: Buffer | null = null;
    try {
      tar = c === "gzip" ? gunzipSync(m.data) : c === "zstd" ? Buffer.from(zstdDecompress(m.data)) : m.data;
    } catch {
      tar = null;
    }
    if (!tar || (c === "none" && tar.toString("latin1", 257, 262) !== "ustar")) continue;
    for (const e of parseTar(tar) ?? []) {
      const p = e.name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
      if (p && !p.includes(".wh.") && paths.size < 5000) paths.add(p);
    }
  }
  info = { members, paths: [...paths].sort() };
  seedInfo.set(seed, info);
  return info;
}

const clone = (ms: RawTarEntry[]): RawTarEntry[] =>
  ms.map((m) => ({ ...m, pax: m.pax ? { ...m.pax } : undefined }));

/** The case: deterministic in (runSeed, number) for a given list of seeds. */
export function makeCase(seeds: readonly Seed[], runSeed: number, number: number): FuzzCase {
  const rng = Rng.forCase(runSeed, number);
  const seed = rng.pick(seeds);
  const info = infoOf(seed);
  const command = rng.pick(COMMANDS);
  const mutations: string[] = [];
  let archive: Buffer;
  const level = rng.int(20);
  if (level < 3 || !info.members) {
    archive = mutateRaw(seed.bytes, rng, mutations);
  } else {
    const mu = new Mutant(clone(info.members), rng);
    const rounds = 1 + rng.int(2);
    for (let i = 0; i < rounds; i++) {
      const what = i === 0 ? level : 3 + rng.int(17);
      if (what < 6) mutateMembers(mu);
      else if (what < 12) mutateJsonMember(mu);
      else if (what < 17) mutateLayer(mu);
      else mutateCompressed(mu);
    }
    mutations.push(...mu.log);
    archive = writeTar(mu.members, { longNames: "pax" });
    if (rng.chance(0.05)) archive = mutateRaw(archive, rng, mutations);
  }
  const path = (): string => (info.paths.length > 0 && rng.chance(0.8) ? `/${rng.pick(info.paths)}` : "/");
  let args: string[];
  switch (command) {
    case "cat":
      args = ["cat", ARCHIVE, path()];
      break;
    case "extract":
      args = ["extract", ARCHIVE, rng.chance(0.6) ? "/" : path(), DEST];
      break;
    case "diff":
      args = rng.chance(0.5) ? ["diff", ORIGINAL, ARCHIVE] : ["diff", "--json", ARCHIVE, ORIGINAL];
      break;
    case "--ci":
      args = [
        "--ci",
        ARCHIVE,
        ...(rng.chance(0.3) ? ["--ci-format", rng.pick(["json", "junit", "markdown"])] : []),
      ];
      break;
    default:
      args = [command, ARCHIVE];
  }
  return { number, seed: seed.name, command, args, archive, mutations };
}
