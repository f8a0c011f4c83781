/**
 * Writes a value as `JSON.stringify(value, null, 2)` would, in pieces, so a report with hundreds
 * of thousands of paths never exists as one giant string. Honours backpressure.
 */
export async function writeJson(value: unknown, out: NodeJS.WritableStream): Promise<void> {
  let buf = "";
  const flush = async () => {
    if (buf === "") return;
    const chunk = buf;
    buf = "";
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  const emit = async (s: string) => {
    buf += s;
    if (buf.length >= 1 << 16) await flush();
  };
  const walk = async (v: unknown, indent: string): Promise<void> => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON !== "function") {
      const inner = `${indent}  `;
      if (Array.isArray(v)) {
        if (v.length === 0) return emit("[]");
        await emit("[\n");
        for (let i = 0; i < v.length; i++) {
          await emit(inner);
          const item = v[i];
          if (item === undefined || typeof item === "function" || typeof item === "symbol")
            await emit("null");
          else await walk(item, inner);
          await emit(i < v.length - 1 ? ",\n" : `\n${indent}]`);
        }
        return;
      }
      const entries = Object.entries(v as Record<string, unknown>).filter(
        ([, x]) => x !== undefined && typeof x !== "function" && typeof x !== "symbol",
      );
      if (entries.length === 0) return emit("{}");
      await emit("{\n");
      for (let i = 0; i < entries.length; i++) {
        const [k, x] = entries[i]!;
        await emit(`${inner}${JSON.stringify(k)}: `);
        await walk(x, inner);
        await emit(i < entries.length - 1 ? ",\n" : `\n${indent}}`);
      }
      return;
    }
    return emit(JSON.stringify(v, null, 2)?.replace(/\n/g, `\n${indent}`) ?? "null");
  };
  await walk(value, "");
  await emit("\n");
  await flush();
}
