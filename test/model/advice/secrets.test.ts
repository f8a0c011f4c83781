import { describe, expect, it } from "vitest";
import { secretPathMatch } from "../../../src/model/advice/secrets.js";

describe("secret-looking paths", () => {
  it("matches the usual names", () => {
    expect(secretPathMatch("/home/x/.ssh/id_ed25519")?.strong).toBe(true);
    expect(secretPathMatch("/root/.ssh/deploy_key")?.strong).toBe(true);
    expect(secretPathMatch("/etc/ssh/ssh_host_ed25519_key")?.strong).toBe(true);
    expect(secretPathMatch("/root/.netrc")?.strong).toBe(true);
    expect(secretPathMatch("/srv/.env.production")?.strong).toBe(true);
    expect(secretPathMatch("/root/.kube/config")?.strong).toBe(true);
    expect(secretPathMatch("/srv/keystore.p12")?.strong).toBe(false);
    expect(secretPathMatch("/usr/lib/python3/dist-packages/certifi/cacert.pem")).toBeNull();
    expect(secretPathMatch("/etc/ssh/ssh_config")).toBeNull();
    expect(secretPathMatch("/srv/app/config.json")).toBeNull();
  });
});
