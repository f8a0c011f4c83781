import { type Dispatch, useEffect } from "react";
import type { Action, FileViewer } from "../state/explorer-state.js";
import { VIEW_CAP_BYTES } from "../viewer/file-view.js";
import { type OpenContent, readCapped } from "../viewer/read-capped.js";

/** The viewer's bytes, read off the key path; closing the viewer (or opening another) stops the read. */
export function useFileContent(
  viewing: FileViewer | null,
  openContent: OpenContent | undefined,
  dispatch: Dispatch<Action>,
): void {
  useEffect(() => {
    if (!viewing) return;
    const { request, node, layer, image = "main" } = viewing;
    if (!openContent) {
      dispatch({ type: "viewer-failed", request, message: "this explorer was started without file access" });
      return;
    }
    const abort = new AbortController();
    readCapped(() => openContent(node, layer, image), VIEW_CAP_BYTES, abort.signal).then(
      ({ data, truncated }) => dispatch({ type: "viewer-loaded", request, data, truncated }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        dispatch({
          type: "viewer-failed",
          request,
          message: err instanceof Error ? err.message : String(err),
        });
      },
    );
    return () => abort.abort();
  }, [viewing, openContent, dispatch]);
}
