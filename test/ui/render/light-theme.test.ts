import { describe, expect, test } from "vitest";
import { composeFrame } from "../../../src/ui/panes/screen.js";
import { paintLine, stripAnsi, themed } from "../../../src/ui/render/theme.js";
import { initialState } from "../../../src/ui/state/explorer-state.js";

describe("the light theme", () => {
  test("changes only colour codes: pale ones become dark 256-colour ones; attributes and text stay", () => {
    const line = paintLine(
      [
        { text: "+ added", style: { fg: "green" } },
        { text: " ~ modified", style: { fg: "yellow", bold: true } },
        { text: " dim", style: { dim: true, fg: "gray" } },
      ],
      40,
      true,
    );
    const light = themed(line, "light");
    expect(light).toContain("\u001b[38;5;28m+ added");
    expect(light).toContain("\u001b[1;38;5;130m ~ modified");
    expect(light).toContain("\u001b[2;38;5;242m dim");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for SGR codes
    expect(light).not.toMatch(/\u001b\[(\d+;)*(32|33|90)m/);
    expect(stripAnsi(light)).toBe(stripAnsi(line));
    expect(themed(line, "dark")).toBe(line);
  });

  test("a whole frame reads the same in either theme", () => {
    const frame = composeFrame(initialState(100, 30), true).join("\n");
    expect(stripAnsi(themed(frame, "light"))).toBe(stripAnsi(frame));
  });
});
