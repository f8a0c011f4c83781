import type { EntrySpec, ImageSpec, LayerSpec } from "../fixtures/images.js";

/** A name well over 100 bytes, so it needs a pax or GNU long-name header. */
export const LONG_NAME = `deep/${"d".repeat(60)}/${"e".repeat(70)}/file.txt`;
export const UNICODE_NAME = "etc/café-名前.txt";

/** A base layer with every entry type. */
export const BASE_LAYER: EntrySpec[] = [
  { dir: "etc" },
  { file: "etc/hosts", content: "127.0.0.1 localhost\n" },
  { dir: "usr/bin" },
  { file: "usr/bin/tool", content: "T".repeat(3000), mode: 0o755 },
  { hardlink: "usr/bin/tool2", target: "usr/bin/tool" },
  { symlink: "bin", target: "usr/bin" },
  { dir: "var/cache" },
  { file: "var/cache/a.bin", content: "a".repeat(10) },
  { file: "var/cache/b.bin", content: "b".repeat(20) },
  { dir: "opt/dir-to-file" },
  { file: "opt/dir-to-file/child", content: "c" },
  { file: "opt/file-to-dir", content: "f" },
  { file: UNICODE_NAME, content: "ü" },
  { file: LONG_NAME, content: "long" },
  { device: "dev/null", kind: "char" },
  { device: "run/fifo", kind: "fifo" },
];

export const BASE_EXPECTED = [
  "/bin symlink 0 -> usr/bin",
  "/dev/null char 0",
  "/etc dir 0",
  `/${UNICODE_NAME} file 2`,
  "/etc/hosts file 20",
  `/${LONG_NAME} file 4`,
  "/opt/dir-to-file dir 0",
  "/opt/dir-to-file/child file 1",
  "/opt/file-to-dir file 1",
  "/run/fifo fifo 0",
  "/usr/bin dir 0",
  "/usr/bin/tool file 3000",
  "/usr/bin/tool2 hardlink 0 -> /usr/bin/tool",
  "/var/cache dir 0",
  "/var/cache/a.bin file 10",
  "/var/cache/b.bin file 20",
].sort();

/** Whiteouts, an opaque dir, type changes, duplicates, "./" and "/" prefixes. */
export const CHANGE_LAYER: LayerSpec = [
  { whiteout: "etc/hosts" },
  { opaque: "var/cache" },
  { file: "var/cache/c.bin", content: "ccc" },
  { file: "opt/dir-to-file", content: "now a file" },
  { dir: "opt/file-to-dir" },
  { file: "opt/file-to-dir/inner", content: "in" },
  { file: "./dup.txt", content: "one" },
  { file: "./dup.txt", content: "second" },
  { file: "./etc/motd", content: "hi" },
  { file: "/etc/issue", content: "Debian" },
];

export const CHANGE_EXPECTED = [
  "/etc/hosts whiteout",
  "/var/cache opaque",
  "/var/cache/c.bin file 3",
  "/opt/dir-to-file file 10",
  "/opt/file-to-dir dir 0",
  "/opt/file-to-dir/inner file 2",
  "/dup.txt file 6",
  "/etc/motd file 2",
  "/etc/issue file 6",
].sort();

/** Base, changes, then the same empty layer twice (stored once). */
export function richImage(extra: Partial<ImageSpec> = {}): ImageSpec {
  return { tags: ["rich:1.0"], layers: [BASE_LAYER, CHANGE_LAYER, [], []], ...extra };
}

export const RICH_EXPECTED = [BASE_EXPECTED, CHANGE_EXPECTED, [], []];

/** A small image whose single layer names itself, to tell images apart. */
export function tinyImage(name: string, extra: Partial<ImageSpec> = {}): ImageSpec {
  return { tags: [name], layers: [{ [`${name.replace(/[/:]/g, "_")}.txt`]: name }], ...extra };
}

export function tinyExpected(name: string): string[] {
  return [`/${name.replace(/[/:]/g, "_")}.txt file ${Buffer.byteLength(name)}`];
}
