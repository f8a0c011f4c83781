/** Where each pane goes, from the terminal size alone (measureElement reads zeros during render). */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PaneLayout {
  columns: number;
  rows: number;
  /**
   * split: layers, layer details and image details left of the file tree;
   * stacked: layers above the tree, no details (narrow terminals);
   * too-small: only a message fits.
   */
  kind: "split" | "stacked" | "too-small";
  /** Each pane's rect includes its one-line title. */
  layers: Rect;
  layerDetails: Rect | null;
  imageDetails: Rect | null;
  tree: Rect;
  /** The key-hint line at the bottom. */
  status: Rect;
}

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;
const SPLIT_MIN_COLUMNS = 70;
const SPLIT_MIN_ROWS = 16;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * `layerRows` is how many rows the layers list would like (layers plus shown history lines);
 * the layers pane never takes more than it needs, and never more than ~45% of the height.
 */
export function computePaneLayout(columns: number, rows: number, layerRows = 8): PaneLayout {
  const cols = Math.max(1, Math.floor(columns));
  const rs = Math.max(1, Math.floor(rows));
  const status: Rect = { x: 0, y: rs - 1, width: cols, height: 1 };
  const none: Rect = { x: 0, y: 0, width: 0, height: 0 };
  if (cols < MIN_COLUMNS || rs < MIN_ROWS) {
    return {
      columns: cols,
      rows: rs,
      kind: "too-small",
      layers: none,
      layerDetails: null,
      imageDetails: null,
      tree: none,
      status,
    };
  }
  const paneRows = rs - 1;
  const want = Math.max(1, layerRows) + 1;

  if (cols < SPLIT_MIN_COLUMNS || rs < SPLIT_MIN_ROWS) {
    const layersH = clamp(want, 3, Math.max(3, Math.floor(paneRows * 0.35)));
    return {
      columns: cols,
      rows: rs,
      kind: "stacked",
      layers: { x: 0, y: 0, width: cols, height: layersH },
      layerDetails: null,
      imageDetails: null,
      tree: { x: 0, y: layersH, width: cols, height: paneRows - layersH },
      status,
    };
  }

  // Left column: enough for an instruction and a digest, at most ~40% of a wide terminal.
  const leftW = clamp(Math.round(cols * 0.4), 30, 72);
  const detailsH = paneRows >= 30 ? 9 : 7;
  const imageMin = 5;
  const layersCap = Math.max(4, Math.floor(paneRows * 0.45));
  const layersH = clamp(want, 4, Math.min(layersCap, paneRows - detailsH - imageMin));
  const imageH = paneRows - layersH - detailsH;
  return {
    columns: cols,
    rows: rs,
    kind: "split",
    layers: { x: 0, y: 0, width: leftW, height: layersH },
    layerDetails: { x: 0, y: layersH, width: leftW, height: detailsH },
    imageDetails: { x: 0, y: layersH + detailsH, width: leftW, height: imageH },
    // One column between the two sides for the separator.
    tree: { x: leftW + 1, y: 0, width: cols - leftW - 1, height: paneRows },
    status,
  };
}
