/**
 * `layerview IMAGE`: the explorer on a terminal, else the text or JSON report. Loaded only when an
 * image is shown, so --version, --help and completion start without the model, reports and sources.
 */
import type { ExactBase } from "../../model/base-image.js";
import type { Diagnostic } from "../../model/diagnostics.js";
import { alignedHistory, NO_HISTORY_COMMAND } from "../../model/history.js";
import { ImageModel } from "../../model/image-model.js";
import { buildJsonReport } from "../../report/json-report.js";
import { writeJson } from "../../report/json-writer.js";
import { buildTextReport } from "../../report/text-report.js";
import type { ImageContent } from "../../sources/content.js";
import type { ImageInfo } from "../../sources/types.js";
import type { LoadEvent, OpenContent, Subscribe } from "../../ui/run-explorer.js";
import type { CliArgs } from "../args.js";
import { baseWarnings, readExactBase } from "../base.js";
import type { LayerviewConfig } from "../config-file.js";
import { errorLine } from "../error-line.js";
import { type CliIo, EXIT, openOptions, openWithProgress, printDiagnostics } from "../io.js";
import type { Settings } from "../settings.js";

export async function report(args: CliArgs, io: CliIo): Promise<number> {
  const target = args.target!;
  const exactBase = await readExactBase(args);
  const data = await openWithProgress(target, args, io);
  const model = ImageModel.build({ ...data, exactBase });
  const diagnostics = data.diagnostics;
  if (args.mode === "json") {
    const adviceOptions = { largeFileBytes: args.largeFileBytes };
    await writeJson(buildJsonReport(model, { top: args.top, diagnostics, adviceOptions }), io.stdout);
  } else {
    const adviceOptions = { largeFileBytes: args.largeFileBytes };
    io.stdout.write(
      buildTextReport(model, {
        width: io.stdout.columns ?? 100,
        top: args.top,
        adviceOptions,
        color: args.color === "always",
      }),
    );
  }
  printDiagnostics(io, diagnostics);
  for (const line of baseWarnings(model)) io.stderr.write(`layerview: ${line}\n`);
  return diagnostics.some((d) => d.severity === "error") ? EXIT.partial : EXIT.ok;
}

export async function explore(
  args: CliArgs,
  io: CliIo,
  config: LayerviewConfig,
  settings: Settings,
): Promise<number> {
  const { runExplorer } = await import("../../ui/run-explorer.js");
  const loader = explorerLoader(args);
  const code = await runExplorer({
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    debug: args.debug,
    subscribe: loader.subscribe,
    openContent: loader.openContent,
    noColor: !settings.color.color,
    mouse: settings.mouse.value,
    preferences: {
      keymap: settings.keymap,
      theme: settings.theme,
      sort: config.sort.value,
      attributes: config.attributes.value === "auto" ? null : config.attributes.value,
      changesOnly: config.changes.value === "layer",
      showHistory: config.history.value,
      focus: config.focus.value,
      regex: config.filter.value === "regex",
    },
  });
  printDiagnostics(io, loader.diagnostics());
  return code;
}

/** A read that takes longer than this shows the tree of the layers read so far, then every so often. */
const PARTIAL_AFTER_MS = 1000;
const PARTIAL_EVERY_MS = 2000;

/**
 * What the explorer gets from the CLI: the load events of the image (cancelled when the user quits
 * first: the reader stops at its next chunk) and the bytes of a file as of a layer, read from the
 * same source once the model is built. The UI never imports src/sources.
 */
export function explorerLoader(
  args: CliArgs,
  partials: { afterMs: number; everyMs: number } = { afterMs: PARTIAL_AFTER_MS, everyMs: PARTIAL_EVERY_MS },
) {
  const notices: Diagnostic[] = [];
  // `--compare OTHER`: both images are read at once; OTHER's events go to the explorer wrapped.
  const main = imageLoader(args.target!, args, notices, partials);
  const other = args.compare === undefined ? null : imageLoader(args.compare, args, notices, null);
  const subscribe: Subscribe = (emit) => {
    const stops = [main.read(emit)];
    if (other) {
      const source = args.compare!;
      emit({ kind: "compare", source, event: null });
      stops.push(other.read((event) => emit({ kind: "compare", source, event })));
    }
    return () => {
      for (const stop of stops) stop();
    };
  };
  const openContent: OpenContent = (node, layer, image) =>
    (image === "compare" && other ? other : main).readNode(node, layer);
  const diagnostics = () => {
    if (!other) return [...notices, ...main.diagnostics()];
    // Two images: each diagnostic says which one it is about.
    const named = (label: string, name: string, ds: Diagnostic[]) =>
      ds.map((d) => ({ ...d, message: `image ${label} (${name}): ${d.message}` }));
    return [
      ...notices,
      ...named("A", args.target!, main.diagnostics()),
      ...named("B", args.compare!, other.diagnostics()),
    ];
  };
  return { subscribe, openContent, diagnostics };
}

/**
 * One image for the explorer: `read` emits its load events (returning a cancel), `readNode` reads a
 * file of it once it is read. `partials` null: no tree of the layers read so far.
 */
function imageLoader(
  target: string,
  args: CliArgs,
  notices: Diagnostic[],
  partials: { afterMs: number; everyMs: number } | null,
) {
  let diagnostics: Diagnostic[] = [];
  let model: ImageModel | null = null;
  let content: Promise<ImageContent> | null = null;
  const read = (emit: (e: LoadEvent) => void) => {
    const reading = new AbortController();
    let partialAfter = Date.now() + (partials?.afterMs ?? 0);
    // --base is read alongside (its manifest only); the models built once it is in know the exact boundary.
    let exactBase: ExactBase | null = null;
    const baseRead = readExactBase(args, reading.signal).then((b) => {
      exactBase = b;
      return b;
    });
    baseRead.catch(() => {});
    import("../../sources/resolve.js")
      .then(({ openImage }) =>
        openImage(target, {
          ...openOptions(args),
          // stderr belongs to the screen while the explorer runs: notices are printed when it exits.
          onNotice: (message) => notices.push({ severity: "warning", message }),
          signal: reading.signal,
          onImage: (info) => emit(previewEvent(info)),
          onProgress: (p) => emit({ kind: "progress", ...p, at: Date.now() }),
          onPull: (update) => emit({ kind: "pull", update }),
          onPartial: !partials
            ? undefined
            : (layersRead, snapshot) => {
                // The tree fills in as layers finish, on a slow read only, and never at more than a fifth
                // of the reader's time: a snapshot costs a pass over the entries read so far.
                const now = Date.now();
                if (now < partialAfter) return;
                const partial = ImageModel.build({ ...snapshot(), exactBase });
                emit({ kind: "partial", model: partial, layersRead });
                partialAfter = Date.now() + Math.max(partials.everyMs, 4 * (Date.now() - now));
              },
        }),
      )
      .then(async (data) => {
        const base = await baseRead;
        diagnostics = data.diagnostics;
        model = ImageModel.build({ ...data, exactBase: base });
        for (const line of baseWarnings(model))
          notices.push({ severity: "warning", message: line.replace(/^warning: /, "") });
        emit({ kind: "ready", model });
      })
      .catch((e: unknown) => {
        if (!reading.signal.aborted) emit({ kind: "error", message: errorLine(e, args.debug) });
      });
    return () => reading.abort();
  };
  const readNode = async (node: number, layer: number) => {
    if (!model) throw new Error("the image is still being read");
    const built = model;
    content ??= import("../../sources/content.js").then(({ ImageContent }) =>
      ImageContent.forModel(target, openOptions(args), built),
    );
    // A failed open (e.g. an image read from stdin) is shown in the viewer and tried again next time.
    const c = await content.catch((e: unknown) => {
      content = null;
      throw e;
    });
    return c.readNode(node, layer);
  };
  return { read, readNode, diagnostics: () => diagnostics };
}

/** What the explorer can show before any layer is read: the layer list from the config. */
function previewEvent(info: ImageInfo) {
  const { items, layerItem } = alignedHistory(info.config.history ?? [], info.layers.length);
  return {
    kind: "image" as const,
    reference: info.reference,
    source: info.source,
    layers: info.layers.map((l, i) => ({
      index: l.index,
      command: items[layerItem[i]!]?.command ?? NO_HISTORY_COMMAND,
      digest: l.digest,
      blobSize: l.blobSize,
    })),
    history: items.map((h) => ({ command: h.command, emptyLayer: h.emptyLayer, layerIndex: h.layerIndex })),
  };
}
