/** `layerview config`: the effective configuration, where each value came from, and the actions keys can bind. */
import { keyLabel } from "../../ui/keymap/keymap.js";
import type { LayerviewConfig, Setting } from "../config-file.js";
import type { CliIo } from "../io.js";
import { EXIT } from "../io.js";
import type { Settings } from "../settings.js";

export function renderConfig(config: LayerviewConfig, settings: Settings): string {
  const out: string[] = [];
  const row = (name: string, value: string, origin: string) =>
    out.push(`  ${name.padEnd(16)} ${value.padEnd(24)} ${origin}`);
  out.push(`config file      ${config.file.path}${config.file.found ? "" : " (not found: defaults)"}`);
  out.push(`dive config      ${config.diveFile ?? "none found"}${config.diveFile ? " (key bindings)" : ""}`);
  out.push("");
  out.push("Settings");
  const s = (name: string, v: Setting<unknown>) => row(name, String(v.value), v.origin);
  row("color", settings.colorChoice.value, settings.colorChoice.origin);
  row("", `→ ${settings.color.color ? "colours" : "no colours"}`, `(${settings.color.why})`);
  s("theme", config.theme);
  row("mouse", String(settings.mouse.value), settings.mouse.origin);
  s("source", config.source);
  s("view.sort", config.sort);
  s("view.attributes", config.attributes);
  s("view.changes", config.changes);
  s("view.history", config.history);
  s("view.focus", config.focus);
  s("view.filter", config.filter);
  out.push("");
  out.push("Keys (keys: ACTION: [KEY, …] in the config file replaces an action's keys)");
  const origins = new Map(settings.keymapOrigins.map((o) => [o.command, o.origin]));
  const width = Math.max(...settings.keymap.map((b) => b.command.length));
  for (const b of settings.keymap) {
    const keys = b.keys.map(keyLabel).join(" ");
    out.push(
      `  ${b.command.padEnd(width)}  ${keys.padEnd(22)} ${(origins.get(b.command) ?? "default").padEnd(12)} ${b.description}`,
    );
  }
  const left = [...settings.keyNotes, ...config.diveIgnored];
  if (left.length > 0) {
    out.push("");
    out.push("dive bindings not used");
    for (const l of left) out.push(`  ${l}`);
  }
  return `${out.join("\n")}\n`;
}

export function runConfig(config: LayerviewConfig, settings: Settings, io: CliIo): number {
  io.stdout.write(renderConfig(config, settings));
  return EXIT.ok;
}
