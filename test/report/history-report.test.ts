import { describe, expect, it } from "vitest";
import { fileHistory } from "../../src/model/file-history.js";
import { EntryType } from "../../src/model/layer-contents.js";
import { historyJson, historyText, modeString } from "../../src/report/history-report.js";
import { modelOf, node } from "../model/helpers.js";

describe("history report", () => {
  it("never lets a name or an instruction from the image drive the terminal", () => {
    const evil = "etc/\u001b[2Jx\u0007";
    const m = modelOf(
      [[{ name: "etc/" }, { name: evil, content: "1" }]],
      [{ created_by: "/bin/sh -c echo \u001b]0;pwned\u0007" }],
    );
    const text = historyText(m, fileHistory(m, node(m, evil)));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left
    expect(text.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f]/);
    // Escaped as everywhere else (the explorer, the text report): visible, not obeyed.
    expect(text).toContain("/etc/\\x1b[2Jx\\x07");
  });

  it("a whiteout that found nothing has no attributes in JSON; a rewrite lists only its mtime", () => {
    const m = modelOf([
      [{ name: "etc/" }, { name: "etc/.wh.ghost" }, { name: "etc/a", content: "1" }],
      [{ name: "etc/ghost", content: "boo" }],
    ]);
    const ghost = historyJson(m, fileHistory(m, node(m, "etc/ghost")), "etc/ghost");
    expect(ghost.events[0]).toMatchObject({
      layer: 0,
      kind: "whiteout",
      type: null,
      mode: null,
      uid: null,
      description: "whiteout, but nothing was there to delete",
    });
    expect(ghost.events[1]).toMatchObject({ layer: 1, kind: "added", type: "file", mode: "0644", size: 3 });
    expect(ghost).toMatchObject({ path: "/etc/ghost", requested: "etc/ghost", present: true });
    expect(ghost.final).toEqual({ layer: 1, type: "file", size: 3 });
  });

  it("writes modes as ls does", () => {
    expect(modeString(EntryType.Dir, 0o1777)).toBe("drwxrwxrwt");
    expect(modeString(EntryType.File, 0o4755)).toBe("-rwsr-xr-x");
    expect(modeString(EntryType.Symlink, 0o777)).toBe("lrwxrwxrwx");
    expect(modeString(EntryType.File, 0o2644)).toBe("-rw-r-Sr--");
  });
});
