/**
 * The advisor's one walk over every file version: each version not visible at the top lands in
 * exactly one group (package cache, deleted later, rewritten unchanged, overwritten, and with a
 * known base image: waste within the base, base files an own layer deletes), and the
 * visible ones become duplicate and large-file candidates; secret-looking paths are collected too.
 */
import type { ImageModel } from "../image-model.js";
import { EntryType } from "../layer-contents.js";
import { ROOT } from "../path-table.js";
import { HiddenReason, NOT_HIDDEN } from "../stack.js";
import type { Steps } from "../steps.js";
import { CACHE_RULES, cacheRootOf, classifyCaches } from "./cache-rules.js";
import { STEP_WORK } from "./context.js";
import { type AdviceOptions, DEFAULT_LARGE_FILE_BYTES, DEFAULT_MIN_DUPLICATE_BYTES } from "./finding.js";
import { mayBeSecretName, SECRET_DIRS, type SecretMatch, secretPathMatch } from "./secrets.js";

/** Files of one finding-to-be: the layer responsible, the others involved, bytes and paths. */
export interface Group {
  layer: number;
  related: Set<number>;
  bytes: number;
  files: number;
  /** Path node → bytes, for listing the paths concerned. */
  byNode: Map<number, number>;
  /** Extra facts the message needs. */
  visibleBytes: number;
  deletedBytes: number;
  overwrittenBytes: number;
  attrsChanged: number;
}

function newGroup(layer: number): Group {
  return {
    layer,
    related: new Set(),
    bytes: 0,
    files: 0,
    byNode: new Map(),
    visibleBytes: 0,
    deletedBytes: 0,
    overwrittenBytes: 0,
    attrsChanged: 0,
  };
}

function groupOf(map: Map<string, Group>, key: string, layer: number): Group {
  let g = map.get(key);
  if (!g) {
    g = newGroup(layer);
    map.set(key, g);
  }
  return g;
}

/** What the walk found, by the finding each group becomes. */
export interface Classified {
  /** For every node, the index of the cache rule whose directory holds it, or -1. */
  ruleOf: Int16Array;
  caches: Map<string, Group>;
  deleted: Map<string, Group>;
  rewritten: Map<string, Group>;
  overwritten: Map<string, Group>;
  /** Waste within the base image's own layers (and its package caches): a slimmer base removes it. */
  baseWaste: Group | null;
  /** Base-image files an own layer deletes, by deleting layer: saves nothing, adds whiteouts. */
  baseDeleted: Map<string, Group>;
  /** Visible files worth comparing for duplicate content. */
  duplicateCandidates: number[];
  /** Visible files over the large-file threshold. */
  large: number[];
  secrets: SecretFile[];
}

/** A secret-looking path and the versions of it, oldest first. */
export interface SecretFile {
  node: number;
  match: SecretMatch;
  versions: number[];
}

export function* classifyVersions(model: ImageModel, opts: AdviceOptions): Steps<Classified> {
  const largeFileBytes = opts.largeFileBytes ?? DEFAULT_LARGE_FILE_BYTES;
  const minDuplicateBytes = Math.max(1, opts.minDuplicateBytes ?? DEFAULT_MIN_DUPLICATE_BYTES);
  const paths = model.paths;
  const stack = model.stack;
  const vs = model.versions;
  const { ruleOf } = classifyCaches(paths);
  yield;
  const removalNodes = model.layers.map((_, L) => new Set(model.removals(L).map((r) => r.node)));
  /** The whiteout target, opaque directory or replaced directory that hid `node` at layer D. */
  const removalRoot = (node: number, D: number): number => {
    const roots = removalNodes[D];
    if (!roots) return node;
    for (let n = node; n !== -1; n = n === ROOT ? -1 : paths.parent(n)) if (roots.has(n)) return n;
    return node;
  };

  const caches = new Map<string, Group>();
  const deleted = new Map<string, Group>();
  const rewritten = new Map<string, Group>();
  const overwritten = new Map<string, Group>();
  const baseLayers = model.base?.layerCount ?? 0;
  let baseWaste: Group | null = null;
  const baseDeleted = new Map<string, Group>();
  /** Visible files worth comparing; bucketed later by 53 bits of their content hash (sorted, not a Map of arrays). */
  const duplicateCandidates: number[] = [];
  const large: number[] = [];
  const secrets: SecretFile[] = [];

  // Names are interned: judge each distinct name once, not once per path.
  yield;
  const { parents, nameIds, nameCount } = paths.columns();
  const secretName = new Uint8Array(nameCount);
  const secretDir = new Uint8Array(nameCount);
  for (let id = 0; id < nameCount; id++) {
    const name = paths.nameById(id);
    secretName[id] = mayBeSecretName(name) ? 1 : 0;
    secretDir[id] = SECRET_DIRS.has(name) ? 1 : 0;
  }

  for (let node = 1; node < paths.size; node++) {
    if (node % STEP_WORK === 0) yield;
    const versions = model.versionsOf(node);
    if (versions.length === 0) continue;
    const cacheRule = ruleOf[node]!;
    let secretMatch: SecretMatch | null | undefined;
    const secretCandidate = secretName[nameIds[node]!] === 1 || secretDir[nameIds[parents[node]!]!] === 1;
    let secretVersions: number[] | null = null;
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i]!;
      if (stack.type(v) !== EntryType.File) continue;
      const size = stack.size(v);
      const L = vs.layer[v]!;
      const hiddenAt = vs.hiddenAt[v]!;
      const reason = vs.hiddenReason[v] as HiddenReason;
      const visible = hiddenAt === NOT_HIDDEN;

      if (size > 0 && secretCandidate) {
        if (secretMatch === undefined) secretMatch = secretPathMatch(paths.path(node));
        if (secretMatch !== null) {
          secretVersions ??= [];
          secretVersions.push(v);
        }
      }
      if (size === 0) continue;

      const inBase = L < baseLayers;
      if (inBase && !visible && hiddenAt >= baseLayers && reason !== HiddenReason.Overwritten) {
        const g = groupOf(baseDeleted, String(hiddenAt), hiddenAt);
        g.bytes += size;
        g.files++;
        g.related.add(L);
        const root = removalRoot(node, hiddenAt);
        g.byNode.set(root, (g.byNode.get(root) ?? 0) + size);
        continue;
      }
      if (inBase && (visible ? cacheRule >= 0 : hiddenAt < baseLayers)) {
        baseWaste ??= newGroup(L);
        const g = baseWaste;
        g.bytes += size;
        g.files++;
        g.related.add(L);
        g.byNode.set(node, (g.byNode.get(node) ?? 0) + size);
        if (visible) g.visibleBytes += size;
        else if (reason === HiddenReason.Overwritten) g.overwrittenBytes += size;
        else g.deletedBytes += size;
        continue;
      }
      if (cacheRule >= 0 && !inBase) {
        const g = groupOf(caches, `${L}:${CACHE_RULES[cacheRule]!.label}`, L);
        g.bytes += size;
        g.files++;
        const root = cacheRootOf(paths, node, ruleOf);
        g.byNode.set(root, (g.byNode.get(root) ?? 0) + size);
        if (visible) g.visibleBytes += size;
        else if (reason === HiddenReason.Overwritten) g.overwrittenBytes += size;
        else {
          g.deletedBytes += size;
          g.related.add(hiddenAt);
        }
        continue;
      }
      if (visible) {
        if (size >= minDuplicateBytes) duplicateCandidates.push(v);
        if (largeFileBytes > 0 && size >= largeFileBytes) large.push(v);
        continue;
      }
      if (reason === HiddenReason.Overwritten) {
        const w = versions[i + 1];
        const same = w !== undefined && stack.type(w) === EntryType.File && stack.sameContent(v, w);
        if (same) {
          const g = groupOf(rewritten, String(hiddenAt), hiddenAt);
          g.bytes += size;
          g.files++;
          g.related.add(L);
          g.byNode.set(node, (g.byNode.get(node) ?? 0) + size);
          if (
            stack.mode(v) !== stack.mode(w) ||
            stack.uid(v) !== stack.uid(w) ||
            stack.gid(v) !== stack.gid(w)
          ) {
            g.attrsChanged++;
          }
        } else {
          const g = groupOf(overwritten, `${L}:${hiddenAt}`, L);
          g.bytes += size;
          g.files++;
          g.related.add(hiddenAt);
          g.byNode.set(node, (g.byNode.get(node) ?? 0) + size);
        }
        continue;
      }
      const g = groupOf(deleted, `${L}:${hiddenAt}`, L);
      g.bytes += size;
      g.files++;
      g.related.add(hiddenAt);
      const root = removalRoot(node, hiddenAt);
      g.byNode.set(root, (g.byNode.get(root) ?? 0) + size);
    }
    if (secretVersions !== null && secretMatch)
      secrets.push({ node, match: secretMatch, versions: secretVersions });
  }

  return {
    ruleOf,
    caches,
    deleted,
    rewritten,
    overwritten,
    baseWaste,
    baseDeleted,
    duplicateCandidates,
    large,
    secrets,
  };
}
