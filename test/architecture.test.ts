import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(d.name) ? [p] : [];
  });
}

/** Every import of every file under src (static, type-only and dynamic), as parsed by TypeScript. */
const graph = new Map<string, { local: string[]; packages: string[] }>();
for (const file of sourceFiles(src)) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const local: string[] = [];
  const packages: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith(".")) {
      packages.push(fileName);
      continue;
    }
    const base = resolve(dirname(file), fileName).replace(/\.js$/, "");
    const target = [`${base}.ts`, `${base}.tsx`].find((f) => existsSync(f));
    if (target === undefined) throw new Error(`${relative(src, file)}: cannot resolve ${fileName}`);
    local.push(target);
  }
  graph.set(file, { local, packages });
}

const layerOf = (file: string) => relative(src, file).split("/")[0]!;

describe("architecture: ui → model ← sources, cli wires them", () => {
  test("src/model imports only src/model: no React, no Node, no packages", () => {
    const bad: string[] = [];
    for (const [file, { local, packages }] of graph) {
      if (layerOf(file) !== "model") continue;
      for (const p of packages) bad.push(`${relative(src, file)} imports ${p}`);
      for (const t of local)
        if (layerOf(t) !== "model") bad.push(`${relative(src, file)} imports ${relative(src, t)}`);
    }
    expect(bad).toEqual([]);
  });

  test("ui, sources and report import no layer but the model (and none of each other)", () => {
    const bad: string[] = [];
    for (const [file, { local }] of graph) {
      const layer = layerOf(file);
      if (layer === "cli" || layer === "model") continue;
      for (const t of local) {
        const to = layerOf(t);
        if (to !== layer && to !== "model") bad.push(`${relative(src, file)} imports ${relative(src, t)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      path.push(file);
      for (const next of graph.get(file)?.local ?? []) {
        const s = state.get(next);
        if (s === "open") {
          cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(src, f)).join(" → "));
        } else if (s === undefined) visit(next);
      }
      path.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
