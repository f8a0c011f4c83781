/**
 * A key press as layerview reads it: the flags of Ink's `Key` that key handling looks at. The Ink
 * edge (terminal/ink-adapter.ts) copies them from Ink's key, so nothing past it imports Ink.
 */
export interface KeyFlags {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageDown: boolean;
  pageUp: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  escape: boolean;
  ctrl: boolean;
  shift: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  meta: boolean;
}

export const NO_KEY: Readonly<KeyFlags> = Object.freeze({
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
});

/** Only the flags layerview reads, from any key object that has them (Ink's `Key`, a test's). */
export function keyFlagsOf(key: Partial<KeyFlags>): KeyFlags {
  const out = { ...NO_KEY };
  for (const k of Object.keys(NO_KEY) as (keyof KeyFlags)[]) out[k] = key[k] === true;
  return out;
}
