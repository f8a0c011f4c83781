import type { Instance } from "ink";
import { ExplorerApp } from "../app/explorer-app.js";
import type { Subscribe } from "../app/use-load-events.js";
import type { ThemeName } from "../render/theme.js";
import type { ExplorerPreferences } from "../state/explorer-state.js";
import type { OpenContent } from "../viewer/read-capped.js";
import type { FrameWriter } from "./frame-writer.js";
import { renderToFrameSink } from "./ink-adapter.js";

/** The explorer on Ink, its frames going to the FrameWriter (which decides what reaches the terminal). */
export function mountExplorer(opts: {
  stdin: NodeJS.ReadStream;
  screen: FrameWriter;
  subscribe: Subscribe;
  noColor: boolean;
  openContent?: OpenContent;
  preferences?: ExplorerPreferences;
  theme?: ThemeName;
  onCopy?: (text: string) => void;
  onSuspend?: () => void;
}): Instance {
  return renderToFrameSink(
    <ExplorerApp
      subscribe={opts.subscribe}
      noColor={opts.noColor}
      openContent={opts.openContent}
      preferences={opts.preferences}
      theme={opts.theme}
      onCopy={opts.onCopy}
      onSuspend={opts.onSuspend}
      onQuit={() => opts.screen.freeze()}
    />,
    { stdin: opts.stdin, sink: opts.screen },
  );
}
