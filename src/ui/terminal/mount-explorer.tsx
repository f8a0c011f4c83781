import { type Instance, render } from "ink";
import { ExplorerApp } from "../app/explorer-app.js";
import type { Subscribe } from "../app/use-load-events.js";
import type { OpenContent } from "../viewer/read-capped.js";
import type { FrameWriter } from "./frame-writer.js";

/**
 * Ink in debug mode passes the explorer's frames to the FrameWriter untouched (no log-update, no
 * CI special case, no clear-screen at full height); the FrameWriter decides what reaches the terminal.
 */
export function mountExplorer(opts: {
  stdin: NodeJS.ReadStream;
  screen: FrameWriter;
  subscribe: Subscribe;
  noColor: boolean;
  openContent?: OpenContent;
}): Instance {
  const sink = { write: () => true, isTTY: false, columns: 80, rows: 24, on: () => sink, off: () => sink };
  return render(
    <ExplorerApp
      subscribe={opts.subscribe}
      noColor={opts.noColor}
      openContent={opts.openContent}
      onQuit={() => opts.screen.freeze()}
    />,
    {
      stdin: opts.stdin,
      stdout: opts.screen as unknown as NodeJS.WriteStream,
      stderr: sink as unknown as NodeJS.WriteStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
}
