// A minimal OCI distribution client for what the builds read back after a push: manifests (an index, an
// attestation manifest) and blobs (an in-toto statement). Plain HTTP for a registry on loopback, HTTPS otherwise;
// a bearer-token challenge is answered with the push credentials. The dynamic providers capture it, so it
// uses only Node's globals.

/** Push and pull credentials, as the builds take them. */
export interface RegistryAuth {
  address: string;
  username: string;
  password: string;
}

export interface RegistryClient {
  /** The manifest or index at `ref` (a digest or tag), parsed. */
  manifest(ref: string): Promise<Record<string, unknown>>;
  /** The blob with `digest`, as text. */
  blob(digest: string): Promise<string>;
  /** The blob with `digest`, as bytes (a layer). */
  blobBytes(digest: string): Promise<ArrayBuffer>;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** A client for `repository` (`host[:port]/path`); `who` names the resource in error messages. */
export function registryClient(
  repository: string,
  auth: RegistryAuth | undefined,
  who: string,
): RegistryClient {
  const slash = repository.indexOf("/");
  const host = repository.slice(0, slash);
  const name = repository.slice(slash + 1);
  const loopback = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host);
  const base = `${loopback ? "http" : "https"}://${loopback ? host.replace(/^localhost/, "127.0.0.1") : host}/v2/${name}`;
  const basic =
    auth !== undefined
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
      : undefined;
  let bearer: string | undefined;
  const headers = (accept: string): Record<string, string> => ({
    Accept: accept,
    ...(bearer !== undefined
      ? { Authorization: `Bearer ${bearer}` }
      : basic !== undefined
        ? { Authorization: basic }
        : {}),
  });
  const get = async (what: string, accept: string): Promise<Response> => {
    let res = await fetch(`${base}/${what}`, { headers: headers(accept) });
    const challenge = res.headers.get("www-authenticate") ?? "";
    if (res.status === 401 && challenge.startsWith("Bearer ")) {
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const url = new URL(params.realm);
      if (params.service) url.searchParams.set("service", params.service);
      url.searchParams.set("scope", params.scope ?? `repository:${name}:pull`);
      const tok = await fetch(url, { headers: basic !== undefined ? { Authorization: basic } : {} });
      const body = (await tok.json()) as { token?: string; access_token?: string };
      bearer = body.token ?? body.access_token;
      res = await fetch(`${base}/${what}`, { headers: headers(accept) });
    }
    if (!res.ok) {
      throw new Error(
        `${who}: reading ${what} of ${repository} back from the registry answered HTTP ${res.status}`,
      );
    }
    return res;
  };
  return {
    manifest: async (ref) =>
      (await (await get(`manifests/${ref}`, MANIFEST_TYPES)).json()) as Record<string, unknown>,
    blob: async (digest) => (await get(`blobs/${digest}`, "*/*")).text(),
    blobBytes: async (digest) => (await get(`blobs/${digest}`, "*/*")).arrayBuffer(),
  };
}
