import { UserError } from "../model/diagnostics.js";

/** An OCI platform (os/architecture/variant), as in image indexes and configs. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  x64: "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
  i686: "386",
  ia32: "386",
};

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** Parse `os/arch[/variant]` (aliases such as x86_64 or aarch64 accepted). */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new UserError(
      `invalid platform '${text}': expected os/arch[/variant]`,
      "write it like linux/amd64 or linux/arm64/v8",
    );
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  const lower = arch.toLowerCase();
  let architecture = ARCH_ALIASES[lower] ?? lower;
  let v = variant?.toLowerCase();
  if (lower === "armhf" && v === undefined) v = "v7";
  if (lower === "armel" && v === undefined) v = "v6";
  if (architecture === "arm64" && v === "v8") v = undefined;
  if (architecture === "armv7" || architecture === "armv6") {
    v = architecture.slice(3);
    architecture = "arm";
  }
  return v ? { os: os.toLowerCase(), architecture, variant: v } : { os: os.toLowerCase(), architecture };
}

/** The platform of this machine in OCI words (Node's x64 is amd64, arm64 is arm64/v8…). */
export function hostPlatform(): Platform {
  const os = process.platform === "win32" ? "windows" : "linux"; // macOS runs Linux images
  switch (process.arch) {
    case "x64":
      return { os, architecture: "amd64" };
    case "arm64":
      return { os, architecture: "arm64", variant: "v8" };
    case "arm": {
      const v = (process.config.variables as { arm_version?: string }).arm_version;
      return { os, architecture: "arm", variant: `v${v ?? "7"}` };
    }
    case "ia32":
      return { os, architecture: "386" };
    case "ppc64":
      return { os, architecture: "ppc64le" };
    default:
      return { os, architecture: process.arch };
  }
}

/** Variant with the platform's default filled in (arm64 → v8, arm → v7), for comparison. */
function normalVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant.toLowerCase();
  if (p.architecture === "arm64") return "v8";
  if (p.architecture === "arm") return "v7";
  return undefined;
}

/**
 * Does an image's platform satisfy what was asked for? A request without a variant matches any
 * variant of that os/arch; with one, the variants must agree (arm64 without variant is v8).
 */
export function platformMatches(wanted: Platform, have: Platform): boolean {
  if (wanted.os !== have.os.toLowerCase()) return false;
  const arch = ARCH_ALIASES[have.architecture.toLowerCase()] ?? have.architecture.toLowerCase();
  if (wanted.architecture !== arch) return false;
  if (wanted.variant === undefined) return true;
  return normalVariant(wanted) === normalVariant({ ...have, architecture: arch });
}

/** An attestation manifest in an image index (BuildKit provenance/SBOM), not a runnable image. */
export function isAttestation(p: Platform | null, annotations: Record<string, string> | undefined): boolean {
  if (annotations?.["vnd.docker.reference.type"] === "attestation-manifest") return true;
  return p !== null && p.os === "unknown" && p.architecture === "unknown";
}

/** A JSON object (not null, not an array): what untrusted members are checked for before use. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The platform a JSON value (index descriptor, config) names, or null when it names none. */
export function platformOf(v: unknown): Platform | null {
  if (!isObject(v) || typeof v.os !== "string" || typeof v.architecture !== "string") return null;
  if (v.os === "" || v.architecture === "") return null;
  return typeof v.variant === "string" && v.variant !== ""
    ? { os: v.os, architecture: v.architecture, variant: v.variant }
    : { os: v.os, architecture: v.architecture };
}
