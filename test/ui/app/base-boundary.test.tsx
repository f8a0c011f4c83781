import { afterEach, describe, expect, test } from "vitest";
import { modelOf } from "../../model/helpers.js";
import { type Explorer, eventsFor, renderExplorer } from "../render-explorer.js";

let open: Explorer | null = null;
afterEach(() => {
  open?.unmount();
  open = null;
});

/** Four layers, the bottom two the base's by DiffID; no history shape to guess from. */
function model(exact: boolean) {
  const diffIds = ["sha256:a", "sha256:b", "sha256:c", "sha256:d"];
  return modelOf(
    [[{ name: "bin/sh", size: 100 }], [{ name: "etc/base" }], [{ name: "app/x" }], [{ name: "bin/.wh.sh" }]],
    [
      { created_by: "/bin/sh -c #(nop) ADD file:x in /" },
      { created_by: "/bin/sh -c echo base" },
      { created_by: "/bin/sh -c echo app" },
      { created_by: "/bin/sh -c rm /bin/sh" },
    ],
    { diffIds, exactBase: exact ? { name: "localhost/base:1", diffIds: diffIds.slice(0, 2) } : null },
  );
}

describe("the layers pane marks the base image boundary", () => {
  test("between the base's last layer and the first own layer, with the base's name and how it was found", async () => {
    open = await renderExplorer({ columns: 120, rows: 30, events: eventsFor(model(true)) });
    const lines = open.frame().split("\n");
    const at = lines.findIndex((l) => l.includes("▲ base (exact) ▼ own"));
    expect(at).toBeGreaterThan(0);
    expect(lines[at]).toMatch(/^── ▲ base \(exact\) ▼ own · localhost\/base:1 ─+│/);
    expect(lines[at - 1]).toMatch(/^ 1 .*RUN echo base/);
    expect(lines[at + 1]).toMatch(/^ 2 .*RUN echo app/);
    expect(open.frame()).toMatch(/^From {4}this image \(above the base, exact\)/m);
    // Moving across the line skips it: from layer 2 one step up is layer 1.
    await open.press("up", "up");
    expect(
      open
        .frame()
        .split("\n")
        .find((l) => l.startsWith("▸")),
    ).toMatch(/^▸1 /);
    expect(open.frame()).toMatch(/^From {4}the base image localhost\/base:1 \(exact\)/m);
    await open.press("down");
    expect(
      open
        .frame()
        .split("\n")
        .find((l) => l.startsWith("▸")),
    ).toMatch(/^▸2 /);
  });

  test("no line when nothing tells the boundary", async () => {
    open = await renderExplorer({ columns: 120, rows: 30, events: eventsFor(model(false)) });
    expect(open.frame()).not.toContain("▲ base");
  });
});
