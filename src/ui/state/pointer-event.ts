/** A mouse event at a cell of the screen (0-based), as read from the terminal's SGR report (pointer.ts). */
export interface PointerEvent {
  kind: "press" | "release" | "drag" | "wheel-up" | "wheel-down";
  /** 0 left, 1 middle, 2 right (for presses). */
  button: number;
  x: number;
  y: number;
}
