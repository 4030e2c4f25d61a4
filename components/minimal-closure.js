// The closure stage of a `minimal` image (components/dockerfiles.ts embeds this file in the Dockerfile, run by the
// builder's node on the build platform): copies the named files from the runtime image mounted at <root> to <out>,
// with every shared library an ELF file among them loads (PT_INTERP and DT_NEEDED, transitively, resolved inside
// the image), keeping symbolic links, plus the dpkg control file of each package a copied file belongs to
// (status.d/<pkg>.md5sums), so scanners still see those packages.
//
//   node minimal-closure.js <root> <out> <path in the image>...
"use strict";
const fs = require("fs");
const path = require("path").posix;
const [root, out, ...wanted] = process.argv.slice(2);
const host = (p) => root + p;
// A path inside the image with every directory symlink resolved inside the image (never on the builder).
function realDir(p) {
  let cur = "/";
  for (const part of p.split("/").filter(Boolean)) {
    let next = path.join(cur, part);
    for (let hops = 0; fs.lstatSync(host(next)).isSymbolicLink(); hops++) {
      if (hops > 40) throw new Error(`symbolic link loop at ${next}`);
      const target = fs.readlinkSync(host(next));
      next = realDir(target.startsWith("/") ? target : path.join(cur, target));
    }
    cur = next;
  }
  return cur;
}
const exists = (p) => {
  try {
    realDir(p);
    return true;
  } catch {
    return false;
  }
};
function elf(file) {
  const fd = fs.openSync(file, "r");
  const read = (length, position) => {
    const b = Buffer.alloc(length);
    fs.readSync(fd, b, 0, length, position);
    return b;
  };
  try {
    const h = read(64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return undefined; // 64-bit little-endian only
    const [phoff, size, count] = [Number(h.readBigUInt64LE(32)), h.readUInt16LE(54), h.readUInt16LE(56)];
    const ph = read(size * count, phoff);
    const loads = [];
    let dynamic;
    let interp;
    for (let i = 0; i < count; i++) {
      const o = i * size;
      const seg = {
        type: ph.readUInt32LE(o),
        offset: Number(ph.readBigUInt64LE(o + 8)),
        vaddr: Number(ph.readBigUInt64LE(o + 16)),
        size: Number(ph.readBigUInt64LE(o + 32)),
      };
      if (seg.type === 1) loads.push(seg);
      else if (seg.type === 2) dynamic = seg;
      else if (seg.type === 3) interp = seg;
    }
    const cstr = (at) => {
      const b = read(4096, at);
      return b.subarray(0, b.indexOf(0)).toString();
    };
    const result = { machine: h.readUInt16LE(18), interp: interp && cstr(interp.offset), needed: [] };
    if (!dynamic) return result;
    const d = read(dynamic.size, dynamic.offset);
    const names = [];
    let strtab;
    for (let o = 0; o + 16 <= d.length; o += 16) {
      const tag = Number(d.readBigInt64LE(o));
      const val = Number(d.readBigUInt64LE(o + 8));
      if (tag === 0) break;
      if (tag === 1) names.push(val);
      if (tag === 5) strtab = val;
    }
    const seg = loads.find((s) => strtab >= s.vaddr && strtab < s.vaddr + s.size);
    result.needed = names.map((n) => cstr(seg.offset + strtab - seg.vaddr + n));
    return result;
  } finally {
    fs.closeSync(fd);
  }
}
const owners = new Map();
const statusDir = "/var/lib/dpkg/status.d";
for (const f of exists(statusDir) ? fs.readdirSync(host(statusDir)) : []) {
  if (!f.endsWith(".md5sums")) continue;
  for (const line of fs.readFileSync(host(path.join(statusDir, f)), "utf8").split("\n")) {
    const file = line.slice(34).trim();
    if (file) owners.set("/" + file, f.slice(0, -".md5sums".length));
  }
}
const copied = new Set();
const packages = new Set();
function copy(p) {
  const real = path.join(realDir(path.dirname(p)), path.basename(p));
  if (copied.has(real)) return;
  copied.add(real);
  const st = fs.lstatSync(host(real));
  fs.mkdirSync(out + path.dirname(real), { recursive: true });
  if (st.isSymbolicLink()) {
    const target = fs.readlinkSync(host(real));
    fs.symlinkSync(target, out + real);
    return copy(target.startsWith("/") ? target : path.join(path.dirname(real), target));
  }
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(host(real))) copy(path.join(real, e));
    return;
  }
  fs.copyFileSync(host(real), out + real);
  fs.chmodSync(out + real, st.mode & 0o7777);
  if (owners.has(real)) packages.add(owners.get(real));
  const info = elf(host(real));
  if (!info) return;
  const triplet = info.machine === 183 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  if (info.interp) copy(info.interp);
  for (const lib of info.needed) {
    const hit = [`/usr/lib/${triplet}`, `/lib/${triplet}`, "/usr/lib", "/lib"]
      .map((d) => path.join(d, lib))
      .find(exists);
    if (!hit) throw new Error(`${p} needs ${lib}, which the runtime image does not have`);
    copy(hit);
  }
}
for (const p of wanted) copy(p);
for (const pkg of packages) copy(path.join(statusDir, pkg));
console.log(`closure: ${copied.size} files and links of ${[...packages].sort().join(", ") || "no package"}`);
