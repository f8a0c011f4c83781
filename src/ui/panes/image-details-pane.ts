import { formatBytes, formatPercent } from "../render/format.js";
import { displayWidth, padStart, sanitize, truncateStart } from "../render/text.js";
import { HIDDEN_LATER, type Line, paintLine, STYLES } from "../render/theme.js";
import type { ExplorerState } from "../state/explorer-state.js";
import type { Rect } from "../state/pane-layout.js";
import { titleLine } from "./pane.js";

const LABEL = 10;

function labelled(label: string, value: Line): Line {
  return [{ text: label.padEnd(LABEL), style: STYLES.label }, ...value];
}

/** The whole image: reference, sizes, wasted bytes, efficiency, and the paths that waste most. */
export function imageDetailsLines(s: ExplorerState, rect: Rect, color: boolean): string[] {
  const w = rect.width;
  const h = rect.height - 1;
  const lines = [titleLine("Image", "", w, false, color)];
  const body: Line[] = [];
  const name = s.outline?.reference ?? s.outline?.source ?? "";
  body.push(labelled("Reference", [{ text: sanitize(name) || "—" }]));
  if (!s.model || s.layersRead !== null) {
    const reading = s.layersRead === null ? "Reading layers…" : `Reading layers… (${s.layersRead} read)`;
    body.push([{ text: s.error ? "Could not read the image" : reading, style: STYLES.muted }]);
  } else {
    const waste = s.model.waste();
    body.push(labelled("Total", [{ text: `${formatBytes(waste.totalLayerBytes)} in layers` }]));
    body.push(labelled("Content", [{ text: `${formatBytes(waste.contentBytes)} visible at the top` }]));
    body.push(
      labelled("Wasted", [
        { text: formatBytes(waste.wastedBytes), style: waste.wastedBytes > 0 ? STYLES.warning : undefined },
        { text: ` · efficiency ${formatPercent(waste.efficiency)}` },
      ]),
    );
    const room = h - body.length - 1;
    if (room > 0 && waste.inefficiencyCount > 0) {
      body.push([{ text: "Most wasteful paths:", style: STYLES.label }]);
      for (const item of waste.topInefficiencies(room)) {
        const size = padStart(formatBytes(item.wastedBytes), 8);
        const tag = `${item.copies}× ${HIDDEN_LATER.marker}L${item.hiddenBy}`;
        const pathRoom = w - displayWidth(size) - displayWidth(tag) - 3;
        body.push([
          { text: `${size} `, style: STYLES.warning },
          { text: `${tag} `, style: HIDDEN_LATER.style },
          { text: truncateStart(sanitize(item.path), Math.max(4, pathRoom)) },
        ]);
      }
    } else if (room > 0) {
      body.push([{ text: "No wasted bytes: nothing is overwritten or deleted.", style: STYLES.muted }]);
    }
  }
  for (const l of body.slice(0, h)) lines.push(paintLine(l, w, color));
  return lines;
}
