import { UserError } from "../../model/diagnostics.js";
import type { Credential } from "./credentials.js";

/** One `WWW-Authenticate` challenge: its scheme (lowercase) and auth-params. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Challenges and their params are small; anything longer is not a real header. */
const MAX_CHALLENGE_LENGTH = 8192;

/**
 * Parse `WWW-Authenticate` (RFC 7235): `Bearer realm="…",service="…",scope="…"`, `Basic realm="x"`,
 * several challenges in one header or in several headers. Malformed parts are skipped.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = (Array.isArray(header) ? header.join(", ") : header).slice(0, MAX_CHALLENGE_LENGTH);
  const out: Challenge[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === ",")) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  while (i < n) {
    skipSpace();
    const scheme = token();
    if (scheme === "") {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // auth-params until the next token that is not followed by "="
    for (;;) {
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      const save = i;
      while (i < n && text[i] === ",") i++;
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      const key = token();
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      if (key === "" || text[i] !== "=") {
        i = key === "" ? i : save;
        break;
      }
      i++;
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      let value = "";
      if (text[i] === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < n) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && text[i] !== "," && text[i] !== " ") i++;
        value = text.slice(start, i);
      }
      challenge.params[key.toLowerCase()] = value;
    }
    if (i === n) break;
  }
  return out;
}

/** What a token endpoint answers, decoded with limits. */
export interface TokenAnswer {
  token: string;
  /** Seconds; the spec's default is 60. */
  expiresIn: number;
  refreshToken: string | null;
}

const MAX_TOKEN_LENGTH = 64 * 1024;

export function decodeTokenAnswer(value: unknown, realmHost: string): TokenAnswer {
  const bad = (what: string) =>
    new UserError(
      `the token server at ${realmHost} answered with ${what}`,
      "the registry's auth service is misconfigured or not a registry token server",
    );
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw bad("something other than a JSON object");
  const v = value as Record<string, unknown>;
  const token = typeof v.token === "string" && v.token !== "" ? v.token : v.access_token;
  if (typeof token !== "string" || token === "") throw bad("no token");
  if (token.length > MAX_TOKEN_LENGTH || /[\s]/.test(token)) throw bad("a token that is not a header value");
  const expires = typeof v.expires_in === "number" && Number.isFinite(v.expires_in) ? v.expires_in : 60;
  const refresh = typeof v.refresh_token === "string" && v.refresh_token !== "" ? v.refresh_token : null;
  return { token, expiresIn: Math.max(expires, 1), refreshToken: refresh };
}

/** The scope layerview asks for: pull only (it never writes). */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function basicHeader(c: Extract<Credential, { kind: "basic" }>): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`;
}
