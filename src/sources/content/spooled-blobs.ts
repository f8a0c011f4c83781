import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../model/diagnostics.js";
import type { ImageModel } from "../../model/image-model.js";
import { planImage } from "../image-plan.js";
import { sniffCompression } from "../layer-blob.js";
import { prefixed, writeAll } from "../stream-io.js";
import { type KeptMember, KeptMembers, walkArchive } from "../tar-walk.js";
import { tempDirPrefix } from "../temp-dirs.js";
import { type BlobSource, checkPlan, scanLayer, tarError } from "./blob-source.js";

type Member = KeptMember<{ spooled: SpooledEntry[] }>;

interface SpooledEntry {
  key: string;
  file: string;
}

export class SpooledBlobSource implements BlobSource {
  constructor(
    private readonly label: string,
    private readonly model: ImageModel,
    private readonly selection: { image?: string; platform?: string },
    private readonly produce: (consume: (stream: AsyncIterable<unknown>) => Promise<void>) => Promise<void>,
  ) {}

  async fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
  ): Promise<void> {
    const keys = new Set<string>();
    for (const set of wanted.values()) for (const k of set) keys.add(k);
    // Members named by a layer's digest or DiffID (blobs/sha256/…, podman's <diffid>.tar) are known
    // before the manifest: scan those only for their own layer's entries, or skip them.
    const keysOfHex = new Map<string, Set<string>>();
    this.model.layers.forEach((l, i) => {
      for (const d of [l.digest, l.diffId]) {
        if (!d) continue;
        const hex = d.replace(/^sha256:/, "");
        const set = keysOfHex.get(hex) ?? new Set<string>();
        for (const k of wanted.get(i) ?? []) set.add(k);
        keysOfHex.set(hex, set);
      }
    });
    const keysFor = (path: string): ReadonlySet<string> => {
      const hex = /[a-f0-9]{64}/.exec(path)?.[0];
      return (hex === undefined ? undefined : keysOfHex.get(hex)) ?? keys;
    };
    const dir = await mkdtemp(tempDirPrefix("spool"));
    try {
      const members = new Map<string, Member>();
      let counter = 0;
      await this.produce((stream) =>
        walkArchive(stream, async (m) => {
          const path = m.path;
          if (m.kind === "symlink" || m.kind === "hardlink") {
            members.set(path, { kind: m.kind, target: m.target });
            return;
          }
          if (m.kind === "other") {
            members.set(path, { kind: "other" });
            return;
          }
          if (m.kind === "json") {
            members.set(path, { kind: "file", size: m.size, bytes: m.bytes, complete: true, spooled: [] });
            return;
          }
          const { size, head, rest } = m;
          const member: Member = {
            kind: "file",
            size,
            bytes: head,
            complete: head.length === size,
            spooled: [],
          };
          members.set(path, member);
          const memberKeys = keysFor(path);
          if (head.length === 0 || sniffCompression(head) === null || memberKeys.size === 0) return;
          await scanLayer(
            prefixed(head, rest),
            `${this.label}: ${path}`,
            memberKeys,
            async (key, entryData) => {
              const file = join(dir, String(counter++));
              const fh = await open(file, "wx");
              try {
                await writeAll(entryData, fh);
              } finally {
                await fh.close();
              }
              member.spooled.push({ key, file });
            },
            false,
          ).catch((e: unknown) => {
            // A member that only looked like a layer: not fatal unless the plan needs it.
            if (!(e instanceof UserError)) throw e;
          });
        }).then(
          () => {},
          (e: unknown) => {
            throw tarError(e, this.label);
          },
        ),
      );
      const store = new KeptMembers(this.label, members);
      const plan = await planImage(store, this.selection, this.label);
      checkPlan(plan, this.model, this.label);
      for (const L of [...wanted.keys()].sort((a, b) => a - b)) {
        const planned = plan.layers[L]!;
        const file = planned.path === null ? null : store.file(planned.path);
        if (file === null) {
          throw new UserError(`${this.label}: layer ${L}'s blob is not in the archive`);
        }
        const layerKeys = wanted.get(L)!;
        for (const s of file.spooled) {
          if (layerKeys.has(s.key)) await sink(L, s.key, createReadStream(s.file));
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
