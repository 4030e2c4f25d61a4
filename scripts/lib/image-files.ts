// The files of one platform's image in a registry, as a container would see them: every layer unpacked in order,
// whiteouts applied. For the size and CVE report and the e2e checks that an image holds no shell or package
// manager. Layers are read with the registry client the builds use, and gunzipped with Node's zlib.
import * as zlib from "node:zlib";
import { registryClient, type RegistryAuth } from "../../components/registry-api";

export interface ImageFile {
  /** `file`, `dir`, `symlink` or `other`. */
  type: "file" | "dir" | "symlink" | "other";
  /** Bytes of a regular file's content; 0 otherwise. */
  size: number;
  /** A symbolic link's target. */
  target?: string;
}

export interface ImageContents {
  /** The platform manifest's digest. */
  manifest: string;
  /** Sum of the layers' compressed sizes as the manifest states them. */
  compressedBytes: number;
  /** Path (without a leading slash) → file, after whiteouts. */
  files: Map<string, ImageFile>;
}

interface Descriptor {
  digest: string;
  size: number;
  mediaType?: string;
  platform?: { os: string; architecture: string };
}

/** The tar entries of one (uncompressed) layer, in order. */
export function tarEntries(tar: Buffer): { path: string; entry: ImageFile }[] {
  const out: { path: string; entry: ImageFile }[] = [];
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from: number, length: number): string => {
      const raw = header.subarray(from, from + length);
      const end = raw.indexOf(0);
      return raw.subarray(0, end < 0 ? length : end).toString("utf8");
    };
    const size = parseInt(text(124, 12).trim() || "0", 8);
    const typeflag = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (typeflag === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      paxPath = m?.[1];
      continue;
    }
    if (typeflag === "g") continue;
    const prefix = text(345, 155);
    const name = longName ?? paxPath ?? (prefix !== "" ? `${prefix}/${text(0, 100)}` : text(0, 100));
    longName = paxPath = undefined;
    const path = name.replace(/^\.?\//, "").replace(/\/$/, "");
    if (path === "" || path === ".") continue;
    const type =
      typeflag === "0" || typeflag === "7"
        ? "file"
        : typeflag === "5"
          ? "dir"
          : typeflag === "2"
            ? "symlink"
            : "other";
    out.push({
      path,
      entry: {
        type,
        size: type === "file" ? size : 0,
        ...(type === "symlink" ? { target: text(157, 100) } : {}),
      },
    });
  }
  return out;
}

/** Applies one layer's entries to `files`: `.wh.<name>` removes a path, `.wh..wh..opq` empties a directory. */
export function applyLayer(
  files: Map<string, ImageFile>,
  entries: { path: string; entry: ImageFile }[],
): void {
  for (const { path, entry } of entries) {
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "" : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (base === ".wh..wh..opq") {
      for (const p of [...files.keys()]) if (p.startsWith(`${dir}/`)) files.delete(p);
      continue;
    }
    if (base.startsWith(".wh.")) {
      const gone = (dir === "" ? "" : `${dir}/`) + base.slice(4);
      for (const p of [...files.keys()]) if (p === gone || p.startsWith(`${gone}/`)) files.delete(p);
      continue;
    }
    files.set(path, entry);
  }
}

/** The image `repository@reference` for `platform` (`linux/amd64`), from the registry. */
export async function imageContents(
  repository: string,
  reference: string,
  platform: string,
  auth?: RegistryAuth,
): Promise<ImageContents> {
  const registry = registryClient(repository, auth, "image-files");
  const [os, architecture] = platform.split("/");
  let manifest = await registry.manifest(reference);
  let digest = reference;
  const index = manifest as { manifests?: Descriptor[] };
  if (Array.isArray(index.manifests)) {
    const entry = index.manifests.find(
      (m) => m.platform?.os === os && m.platform.architecture === architecture,
    );
    if (entry === undefined) throw new Error(`${repository}@${reference} has no ${platform} image`);
    digest = entry.digest;
    manifest = await registry.manifest(digest);
  }
  const layers = (manifest as { layers?: Descriptor[] }).layers ?? [];
  const files = new Map<string, ImageFile>();
  for (const layer of layers) {
    const raw = Buffer.from(await registry.blobBytes(layer.digest));
    const tar = layer.mediaType?.endsWith("gzip") === false ? raw : zlib.gunzipSync(raw);
    applyLayer(files, tarEntries(tar));
  }
  return { manifest: digest, compressedBytes: layers.reduce((n, l) => n + l.size, 0), files };
}

/** Bytes of every regular file in the image. */
export function fileBytes(contents: ImageContents, under = ""): number {
  let n = 0;
  for (const [p, f] of contents.files)
    if (f.type === "file" && (under === "" || p === under || p.startsWith(`${under}/`))) n += f.size;
  return n;
}
