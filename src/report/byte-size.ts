/** Sizes as people write them in flags and rules files (kept apart from ci-rules, which loads yaml). */

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1e18,
  eb: 1e18,
  ei: 1024 ** 6,
  eib: 1024 ** 6,
};

/**
 * "20Mb" → 20000000, "1KiB" → 1024, "1,000" → 1000; null when it is not a size. As go-humanize's
 * ParseBytes, which dive uses: case-insensitive units, SI units powers of 1000 (KB/MB/GB and the bare
 * K/M/G), IEC units powers of 1024 (KiB/MiB/GiB, Ki/Mi/Gi); a plain number or "B" is bytes; commas
 * in the number are ignored; fractions are truncated to whole bytes.
 */
export function parseByteSize(text: string): number | null {
  const s = text.trim();
  const m = /^([\d.,]*)(.*)$/.exec(s)!;
  const digits = m[1]!.replace(/,/g, "");
  if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) return null;
  const unit = BYTE_UNITS[m[2]!.trim().toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(Number(digits) * unit);
}
