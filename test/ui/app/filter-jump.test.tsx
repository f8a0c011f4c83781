/** n / N in the running explorer: a match inside a collapsed directory is opened and selected on screen. */
import { afterEach, expect, test } from "vitest";
import { modelOf } from "../../model/helpers.js";
import { type Explorer, eventsFor, renderExplorer, treeColumn } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

const file = (name: string) => ({ name, content: name });
const model = () =>
  modelOf([
    [file("etc/deep/er/config.match"), file("etc/plain"), file("srv/data.match"), file("usr/bin/tool")],
  ]);

/** The tree pane's lines that name a path, trimmed. */
const treeLines = (frame: string) =>
  treeColumn(frame)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /[a-z]/.test(l));

test("n opens the collapsed directories of the next match, N goes back, wrapping around", async () => {
  open = await renderExplorer({ columns: 120, rows: 30, events: eventsFor(model()) });
  const ex = open;
  await ex.press({ text: "-" });
  // Everything collapsed: the match's file is nowhere on screen.
  expect(ex.frame()).not.toContain("config.match");
  await ex.type("/match");
  await ex.press("enter");
  await ex.press({ text: "n" });
  let f = ex.frame();
  expect(treeColumn(f)).toMatch(/\/etc\/deep\/er\/config\.match · file/);
  expect(f).toContain("2 matches");
  const lines = treeLines(f);
  // Its directories are open now, one under the other.
  const at = (name: string) => lines.findIndex((l) => l.endsWith(name));
  expect(at("etc/")).toBeGreaterThanOrEqual(0);
  expect(at("deep/")).toBe(at("etc/") + 1);
  expect(at("er/")).toBe(at("deep/") + 1);
  expect(at("config.match")).toBe(at("er/") + 1);

  await ex.press({ text: "n" });
  f = ex.frame();
  expect(treeColumn(f)).toMatch(/\/srv\/data\.match · file/);
  expect(f).not.toContain("wrapped around");
  await ex.press({ text: "n" });
  f = ex.frame();
  expect(treeColumn(f)).toMatch(/\/etc\/deep\/er\/config\.match · file/);
  expect(f).toContain("2 matches · wrapped around");
  await ex.press({ text: "N" });
  f = ex.frame();
  expect(treeColumn(f)).toMatch(/\/srv\/data\.match · file/);
  expect(f).toContain("wrapped around");
});
