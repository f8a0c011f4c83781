import type { Readable } from "node:stream";
import { UserError } from "../../model/diagnostics.js";
import type { ImageModel } from "../../model/image-model.js";
import type { ImagePlan } from "../image-plan.js";
import type { SeekableStore } from "../read-layers.js";
import { type BlobSource, checkPlan, scanLayer } from "./blob-source.js";

/** Files of an uncompressed archive or an OCI layout: each layer blob opened where it lies. */
export class SeekableBlobSource implements BlobSource {
  constructor(
    private readonly store: SeekableStore & { open(path: string): Readable | AsyncIterable<unknown> },
    private readonly plan: ImagePlan,
    model: ImageModel,
  ) {
    checkPlan(plan, model, store.label);
  }

  async fetch(
    wanted: Map<number, Set<string>>,
    sink: (layer: number, key: string, data: AsyncIterable<unknown>) => Promise<void>,
    firstOnly: boolean,
  ): Promise<void> {
    for (const L of [...wanted.keys()].sort((a, b) => a - b)) {
      const planned = this.plan.layers[L]!;
      const member = planned.path === null ? null : this.store.resolve(planned.path);
      if (member === null) {
        throw new UserError(`${this.store.label}: layer ${L}'s blob is not in the archive`);
      }
      await scanLayer(
        this.store.open(member),
        `${this.store.label}: layer ${L}`,
        wanted.get(L)!,
        (key, data) => sink(L, key, data),
        firstOnly,
      );
    }
  }
}
