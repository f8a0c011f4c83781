/** A registry client set up as the docker CLI would set one up; apart so that completion loads no reader. */
import { RegistryClient } from "./client.js";
import {
  type Credential,
  type CredentialEnv,
  findCredential,
  parseCredsFlag,
  processCredentialEnv,
} from "./credentials.js";
import type { RegistryReference } from "./reference.js";
import { allowsPlainHttp, findRegistryTls, processTlsEnv, type TlsEnv } from "./tls-config.js";

/** How a client is set up: what the user gave, and where tests look things up. */
export interface ClientSetup {
  /** `--creds USER:PASSWORD`. */
  creds?: string;
  /** `--insecure-registry HOST` (repeatable): plain HTTP allowed there, as the daemon's insecure-registries. */
  insecureRegistries?: readonly string[];
  /** Tests: where credentials and certificates are looked up, timeouts and retry pacing. */
  credentialEnv?: CredentialEnv;
  tlsEnv?: TlsEnv;
  timeouts?: { connectMs?: number; stallMs?: number };
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; resumes?: number };
}

/** A client for REF with credentials, TLS and plain-HTTP rules found as the docker CLI finds them. */
export function registryClient(
  ref: RegistryReference,
  opts: ClientSetup & { signal?: AbortSignal },
): RegistryClient {
  const explicit: Credential | undefined =
    opts.creds !== undefined ? parseCredsFlag(opts.creds, "--creds") : undefined;
  const credentialEnv = opts.credentialEnv ?? processCredentialEnv();
  const tls = findRegistryTls(ref.registry, opts.tlsEnv ?? processTlsEnv());
  return new RegistryClient({
    ref,
    credential: () =>
      findCredential(
        { registry: ref.registry, repository: ref.repository, explicit },
        credentialEnv,
        opts.signal,
      ),
    tls,
    plainHttp: allowsPlainHttp(ref.registry, opts.insecureRegistries ?? []),
    signal: opts.signal,
    timeouts: opts.timeouts,
    retry: opts.retry,
  });
}
