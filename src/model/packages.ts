/**
 * Packages per layer: the package databases each layer wrote, stacked like the files they are (a
 * database file a later layer deletes or rewrites stops counting), give the packages installed as of
 * every layer, what each layer added, removed and upgraded, and which package owns each of the
 * layer's files, so its bytes can be put on packages and on what no package owns. Pure.
 */
import type { ImageModel } from "./image-model.js";
import { EntryType } from "./layer-contents.js";
import {
  type LayerPackageFiles,
  MANAGER_PRIORITY,
  type PackageDbFile,
  type PackageManager,
  type PackageRecord,
} from "./package-db.js";
import { ROOT } from "./path-table.js";
import { resolveImagePath } from "./resolve-path.js";

export interface InstalledPackage {
  /** `manager:name` (plus `:arch` when one database lists a name twice). */
  key: string;
  manager: PackageManager;
  name: string;
  version: string;
  arch: string | null;
  /** What the database declares, in bytes; null when it declares none. */
  installedSize: number | null;
  /** Files its database lists (0 when it lists none, e.g. npm: a package owns its folder). */
  listedFiles: number;
}

export interface PackageChange {
  key: string;
  manager: PackageManager;
  name: string;
  /** Version before (null when added). */
  from: string | null;
  /** Version after (null when removed). */
  to: string | null;
  /** Declared installed size after the change (before, for a removal). */
  installedSize: number | null;
  /**
   * Change in declared installed size (after − before: + for an addition, − for a removal); null
   * when a side declares no size.
   */
  sizeDelta: number | null;
}

export interface PackageChanges {
  added: PackageChange[];
  removed: PackageChange[];
  /** The version changed (up or down). */
  upgraded: PackageChange[];
}

/** One package's share of a layer. */
export interface PackageUse {
  pkg: InstalledPackage;
  /** Bytes of the layer's regular files this package owns. */
  bytes: number;
  /** Of the layer's non-directory entries, the ones it owns. */
  files: number;
  /** What the layer did to the package, or null when it only holds files of it. */
  change: "added" | "upgraded" | null;
}

export interface LayerPackages extends PackageChanges {
  layer: number;
  /**
   * False when the layer's package databases were not kept (it was listed from a TOC or the layer
   * cache, or could not be read): its changes are unknown and show in the next layer that is known.
   */
  known: boolean;
  /** Package managers whose databases are visible as of this layer. */
  managers: PackageManager[];
  /** Packages installed as of this layer. */
  installedCount: number;
  /** Packages that own files in this layer or that it added or upgraded, biggest share first. */
  uses: PackageUse[];
  /** Bytes and files of the layer that no package owns. */
  unownedBytes: number;
  unownedFiles: number;
  /** Database files found but not read, in words. */
  notes: readonly string[];
}

/** The packages installed as of one layer and who owns which path. */
interface PackageState {
  packages: InstalledPackage[];
  byKey: Map<string, InstalledPackage>;
  /** Node → package, for listed files. */
  owner: Map<number, InstalledPackage>;
  /** Directory node → package owning everything below it (npm). */
  roots: Map<number, InstalledPackage>;
}

const EMPTY_STATE: PackageState = { packages: [], byKey: new Map(), owner: new Map(), roots: new Map() };

export class ImagePackages {
  private readonly states: PackageState[];
  readonly layers: LayerPackages[];

  /** From the package databases the model's layers carry (`readLayers[].packages`). */
  constructor(private readonly model: ImageModel) {
    const { states, layers } = analyse(
      model,
      model.input.readLayers.map((rl) => rl.packages),
    );
    this.states = states;
    this.layers = layers;
  }

  /** True when some layer has a package database layerview read. */
  get any(): boolean {
    return this.states.some((s) => s.packages.length > 0);
  }

  /** Packages installed as of `layer`, sorted by key. */
  installedAt(layer: number): readonly InstalledPackage[] {
    return (this.states[layer] ?? EMPTY_STATE).packages;
  }

  /** The package owning the path `node` as of `layer`, or null. */
  ownerAt(node: number, layer: number): InstalledPackage | null {
    const s = this.states[layer];
    return s === undefined ? null : ownerIn(this.model, s, node);
  }

  /** Nodes of the layer's non-directory entries that `key` owns (the layer's files of one package). */
  filesOf(layer: number, key: string): number[] {
    const s = this.states[layer];
    const c = this.model.input.readLayers[layer]?.contents;
    if (s === undefined || !c) return [];
    const out: number[] = [];
    for (let e = 0; e < c.count; e++) {
      if (c.type[e] === EntryType.Dir) continue;
      if (ownerIn(this.model, s, c.node[e]!)?.key === key) out.push(c.node[e]!);
    }
    return out;
  }
}

/** What changed from one set of installed packages to another (two layers, or two images). */
export function comparePackages(
  before: readonly InstalledPackage[],
  after: readonly InstalledPackage[],
): PackageChanges {
  const was = new Map(before.map((p) => [p.key, p]));
  const is = new Map(after.map((p) => [p.key, p]));
  const change = (
    p: InstalledPackage,
    from: string | null,
    to: string | null,
    sizeDelta: number | null,
  ): PackageChange => ({
    key: p.key,
    manager: p.manager,
    name: p.name,
    from,
    to,
    installedSize: p.installedSize,
    sizeDelta,
  });
  const added: PackageChange[] = [];
  const removed: PackageChange[] = [];
  const upgraded: PackageChange[] = [];
  for (const p of after) {
    const b = was.get(p.key);
    if (b === undefined) added.push(change(p, null, p.version, p.installedSize));
    else if (b.version !== p.version) {
      const delta =
        p.installedSize !== null && b.installedSize !== null ? p.installedSize - b.installedSize : null;
      upgraded.push(change(p, b.version, p.version, delta));
    }
  }
  for (const p of before) {
    if (!is.has(p.key))
      removed.push(change(p, p.version, null, p.installedSize === null ? null : -p.installedSize));
  }
  return { added, removed, upgraded };
}

/** True when some layer of the model carries a package database layerview read. */
export function hasPackageDatabases(model: ImageModel): boolean {
  return model.input.readLayers.some((rl) => (rl.packages?.files.size ?? 0) > 0);
}

/**
 * The packages of two images' final trees compared (the package side of compare.ts's comparison,
 * which `diff` and the explorer's --compare view both show): each list biggest size change first
 * (either way; no declared size counts as 0), then by key. null when neither image has a package
 * database layerview read.
 */
export function compareImagePackages(
  a: ImageModel,
  b: ImageModel,
  packagesOf: (m: ImageModel) => ImagePackages = (m) => new ImagePackages(m),
): PackageChanges | null {
  if (!hasPackageDatabases(a) && !hasPackageDatabases(b)) return null;
  const top = (m: ImageModel) =>
    m.layerCount > 0 && hasPackageDatabases(m) ? packagesOf(m).installedAt(m.layerCount - 1) : [];
  const ch = comparePackages(top(a), top(b));
  return {
    added: bySizeChange(ch.added),
    removed: bySizeChange(ch.removed),
    upgraded: bySizeChange(ch.upgraded),
  };
}

/** Package changes, the biggest size change (either way) first, then by key. */
export function bySizeChange(list: readonly PackageChange[]): PackageChange[] {
  return [...list].sort(
    (x, y) => Math.abs(y.sizeDelta ?? 0) - Math.abs(x.sizeDelta ?? 0) || cmp(x.key, y.key),
  );
}

function ownerIn(model: ImageModel, s: PackageState, node: number): InstalledPackage | null {
  const direct = s.owner.get(node);
  if (direct !== undefined) return direct;
  if (s.roots.size === 0) return null;
  const paths = model.paths;
  for (let n = paths.parent(node); n > ROOT; n = paths.parent(n)) {
    const p = s.roots.get(n);
    if (p !== undefined) return p;
    if (paths.name(n) === "node_modules") return null; // a file of node_modules/ itself, not of a package
  }
  return null;
}

function analyse(model: ImageModel, files: readonly (LayerPackageFiles | null | undefined)[]) {
  const layerCount = model.layerCount;
  const paths = model.paths;
  // Every database path any layer wrote, and its node.
  const dbNodes = new Map<string, number>();
  for (const f of files) {
    if (!f) continue;
    for (const path of f.files.keys()) {
      if (dbNodes.has(path)) continue;
      const node = paths.lookup(path.split("/"));
      if (node > ROOT) dbNodes.set(path, node);
    }
  }
  const dbList = [...dbNodes];
  const states: PackageState[] = [];
  const layers: LayerPackages[] = [];
  let previous = EMPTY_STATE;
  let previousSignature = "";
  for (let L = 0; L < layerCount; L++) {
    const known = files[L] != null;
    // The visible version of every database file: the state only changes when one of them does.
    const visible: { path: string; db: PackageDbFile }[] = [];
    const sig: number[] = [];
    for (const [path, node] of dbList) {
      let v = model.visibleAt(node, L);
      if (v < 0) continue;
      // Written by a layer whose databases were not kept: the newest version below that was.
      const versions = model.versionsOf(node);
      for (let i = versions.indexOf(v); i > 0 && files[model.versions.layer[v]!] == null; i--) {
        v = versions[i - 1]!;
      }
      const db = files[model.versions.layer[v]!]?.files.get(path);
      if (db === undefined) continue;
      sig.push(v);
      visible.push({ path, db });
    }
    const signature = sig.join(",");
    const state = signature === previousSignature ? previous : buildState(model, visible, L);
    const changes =
      state === previous
        ? { added: [], removed: [], upgraded: [] }
        : comparePackages(previous.packages, state.packages);
    states.push(state);
    layers.push({
      layer: L,
      known,
      managers: MANAGER_PRIORITY.filter((m) => state.packages.some((p) => p.manager === m)),
      installedCount: state.packages.length,
      ...changes,
      ...attribute(model, state, L, changes),
      notes: files[L]?.notes ?? [],
    });
    previous = state;
    previousSignature = signature;
  }
  return { states, layers };
}

function buildState(
  model: ImageModel,
  visible: readonly { path: string; db: PackageDbFile }[],
  layer: number,
): PackageState {
  const records: PackageRecord[] = [];
  const lists = new Map<string, readonly string[]>();
  for (const { db } of visible) {
    if (db.kind === "records") records.push(...db.records);
    else lists.set(db.joinKey, db.files);
  }
  const seen = new Map<string, number>();
  for (const r of records) seen.set(`${r.manager}:${r.name}`, (seen.get(`${r.manager}:${r.name}`) ?? 0) + 1);
  const byKey = new Map<string, InstalledPackage>();
  const owned: { pkg: InstalledPackage; files: readonly string[]; root: string | null }[] = [];
  for (const r of records) {
    const base = `${r.manager}:${r.name}`;
    const key = (seen.get(base) ?? 0) > 1 && r.arch !== null ? `${base}:${r.arch}` : base;
    if (byKey.has(key)) continue;
    const listed = r.files ?? (r.joinKey !== null ? lists.get(r.joinKey) : undefined) ?? [];
    const pkg: InstalledPackage = {
      key,
      manager: r.manager,
      name: r.name,
      version: r.version,
      arch: r.arch,
      installedSize: r.installedSize,
      listedFiles: listed.length,
    };
    byKey.set(key, pkg);
    owned.push({ pkg, files: listed, root: r.root });
  }
  const packages = [...byKey.values()].sort((a, b) => cmp(a.key, b.key));
  // Resolve every listed path as of this layer (symlinked directories followed: /bin → usr/bin).
  const owner = new Map<number, InstalledPackage>();
  const roots = new Map<number, InstalledPackage>();
  const dirs = new Map<string, number>();
  const paths = model.paths;
  const dirNode = (dir: string): number => {
    let n = dirs.get(dir);
    if (n === undefined) {
      const r = resolveImagePath(model, dir, layer);
      n = r.ok && r.type === EntryType.Dir ? r.node : -1;
      dirs.set(dir, n);
    }
    return n;
  };
  const rank = (m: PackageManager) => MANAGER_PRIORITY.indexOf(m);
  owned.sort((a, b) => rank(a.pkg.manager) - rank(b.pkg.manager));
  for (const { pkg, files, root } of owned) {
    // Directories a list names (dpkg lists them) are shared, not owned; a listed /bin that is now a
    // symlink to usr/bin is one of them.
    const parents = new Set<string>();
    for (const f of files) parents.add(f.slice(0, f.lastIndexOf("/")));
    for (const f of files) {
      if (parents.has(f)) continue;
      const slash = f.lastIndexOf("/");
      const base = f.slice(slash + 1);
      if (base === "" || base === "." || base === "..") continue;
      const parent = dirNode(slash <= 0 ? "/" : f.slice(0, slash));
      if (parent < 0) continue;
      const node = paths.lookupChild(parent, base);
      if (node > ROOT && !owner.has(node)) owner.set(node, pkg);
    }
    if (root !== null) {
      const node = dirNode(root);
      if (node > ROOT && !roots.has(node)) roots.set(node, pkg);
    }
  }
  return { packages, byKey, owner, roots };
}

function attribute(model: ImageModel, state: PackageState, layer: number, changes: PackageChanges) {
  const c = model.input.readLayers[layer]?.contents;
  const uses = new Map<string, PackageUse>();
  const use = (pkg: InstalledPackage): PackageUse => {
    let u = uses.get(pkg.key);
    if (u === undefined) {
      u = { pkg, bytes: 0, files: 0, change: null };
      uses.set(pkg.key, u);
    }
    return u;
  };
  for (const ch of changes.added) use(state.byKey.get(ch.key)!).change = "added";
  for (const ch of changes.upgraded) use(state.byKey.get(ch.key)!).change = "upgraded";
  let unownedBytes = 0;
  let unownedFiles = 0;
  if (c) {
    const any = state.owner.size > 0 || state.roots.size > 0;
    for (let e = 0; e < c.count; e++) {
      const type = c.type[e]!;
      if (type === EntryType.Dir) continue;
      const bytes = type === EntryType.File ? c.size[e]! : 0;
      const pkg = any ? ownerIn(model, state, c.node[e]!) : null;
      if (pkg === null) {
        unownedBytes += bytes;
        unownedFiles++;
      } else {
        const u = use(pkg);
        u.bytes += bytes;
        u.files++;
      }
    }
  }
  const sorted = [...uses.values()].sort((a, b) => b.bytes - a.bytes || cmp(a.pkg.key, b.pkg.key));
  return { uses: sorted, unownedBytes, unownedFiles };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
