/** Colour for the text outputs (report, CI text): a few tones, or none at all when colour is off. */
export type Tone = "heading" | "good" | "bad" | "warn" | "muted";

const SGR: Record<Tone, string> = { heading: "1", good: "32", bad: "1;31", warn: "33", muted: "2" };

export type Paint = (text: string, tone: Tone) => string;

export function painter(color: boolean): Paint {
  return color
    ? (text, tone) => (text === "" ? text : `\u001b[${SGR[tone]}m${text}\u001b[0m`)
    : (text) => text;
}
