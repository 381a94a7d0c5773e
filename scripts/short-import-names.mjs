// Trunk's post-build hook (Trunk.toml): gives the wasm's imports from the
// wasm-bindgen loader, and its exports whose names carry a hash, short names, in
// the wasm and in the loader alike.
//
// wasm-bindgen names each import after the JS function it calls plus a 16-digit hex
// hash (`__wbg_set_lineWidth_12f039d09cd36dad`). The hashes do not compress, and
// there are about 300 of them: giving the imports short names (`$0`, `$1`, ...)
// made the release wasm 3.9 KB smaller brotli, for the 600 KB budget (2026-12-02:
// 295 imports, 611,987 bytes before, 608,060 after). The loader's import object shrinks the same
// way. The nine exported closure trampolines, named with a hash too, saved another
// 0.3 KB. Nothing else changes: the same functions are imported and exported, in
// the same order.
//
// Only the imports from the loader itself ("./kubetopo_bg.js") are renamed: each of
// their names is a key of the loader's import object and appears exactly once in
// the loader; the script checks this and fails the build otherwise. The imports
// from snippet modules (public/*.js) keep their names, which those files export.
// As the files change after trunk hashed them, the index.html's subresource
// integrity values for them are computed again.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) throw new Error('no TRUNK_STAGING_DIR and no directory argument');
const wasmFiles = readdirSync(dir).filter((f) => f.endsWith('_bg.wasm'));
if (wasmFiles.length !== 1) throw new Error(`expected one *_bg.wasm in ${dir}, found ${wasmFiles.length}`);
const wasmFile = wasmFiles[0];
const jsFile = wasmFile.replace(/_bg\.wasm$/, '.js');
const LOADER_MODULE = './kubetopo_bg.js';

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return Buffer.from(out);
}

function readName(bytes, at) {
  const [length, start] = readLeb(bytes, at);
  return [bytes.subarray(start, start + length).toString('utf8'), start + length];
}

function name(text) {
  const utf8 = Buffer.from(text, 'utf8');
  return Buffer.concat([leb(utf8.length), utf8]);
}

// The end of an import's description, which depends on its kind.
function skipDescription(bytes, at) {
  const kind = bytes[at++];
  const skipLimits = (p) => {
    const flags = bytes[p++];
    [, p] = readLeb(bytes, p);
    if (flags & 1) [, p] = readLeb(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: // function: a type index
      return readLeb(bytes, at)[1];
    case 1: // table: a reference type, then limits
      return skipLimits(at + 1);
    case 2: // memory: limits
      return skipLimits(at);
    case 3: // global: a value type and mutability
      return at + 2;
    case 4: // tag: an attribute and a type index
      return readLeb(bytes, at + 1)[1];
    default:
      throw new Error(`unknown import kind ${kind}`);
  }
}

function shortName(index) {
  return `$${index.toString(36)}`;
}

// The export section, with the exports whose names carry a hash (the closures'
// trampolines, `wasm_bindgen__convert__closures_____invoke__h4922f00976e64f69`)
// renamed `$e0`, `$e1`, ...: the loader reads each of them only as `wasm.<name>`.
function renameExports(start, end) {
  let [count, p] = readLeb(wasm, start);
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    let field;
    [field, p] = readName(wasm, p);
    const descriptionEnd = readLeb(wasm, p + 1)[1];
    if (/_h[0-9a-f]{16}(_[0-9]+)?$/.test(field)) {
      // The loader also has a function of the same name, which stays; the export
      // must be read only as `wasm.<name>`, never as a string or another object's
      // property. One name can be the start of another (`..._invoke__h46f6cc5b797f4c3c`
      // and `..._invoke__h46f6cc5b797f4c3c_14`), hence the boundary.
      const short = `$e${(renamedExports++).toString(36)}`;
      const access = new RegExp(`wasm\\.${field}(?![\\w$])`, 'g');
      const replaced = js.replace(access, `wasm.${short}`);
      const other = new RegExp(`[.'"\`]${field}(?![\\w$])`);
      if (replaced === js || other.test(replaced)) {
        throw new Error(`the export ${field} is used by the loader other than as wasm.${field}`);
      }
      js = replaced;
      field = short;
    }
    entries.push(name(field), wasm.subarray(p, descriptionEnd));
    p = descriptionEnd;
  }
  if (p !== end) throw new Error('the export section did not parse to its end');
  const body = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([7]), leb(body.length), body]);
}

const wasm = readFileSync(join(dir, wasmFile));
let js = readFileSync(join(dir, jsFile), 'utf8');
const parts = [wasm.subarray(0, 8)];
let at = 8;
let renamed = 0;
let renamedExports = 0;
while (at < wasm.length) {
  const id = wasm[at];
  const [size, start] = readLeb(wasm, at + 1);
  const end = start + size;
  if (id === 7) {
    parts.push(renameExports(start, end));
    at = end;
    continue;
  }
  if (id !== 2) {
    parts.push(wasm.subarray(at, end));
    at = end;
    continue;
  }
  let [count, p] = readLeb(wasm, start);
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    let module;
    let field;
    [module, p] = readName(wasm, p);
    [field, p] = readName(wasm, p);
    const descriptionEnd = skipDescription(wasm, p);
    if (module === LOADER_MODULE) {
      const short = shortName(renamed++);
      const key = `\n        ${field}: `;
      const first = js.indexOf(key);
      if (first < 0 || js.indexOf(key, first + 1) >= 0 || js.split(field).length !== 2) {
        throw new Error(`the import ${field} is not exactly one key of the loader's import object`);
      }
      js = js.replace(key, `\n        ${short}: `);
      field = short;
    }
    entries.push(name(module), name(field), wasm.subarray(p, descriptionEnd));
    p = descriptionEnd;
  }
  if (p !== end) throw new Error('the import section did not parse to its end');
  const body = Buffer.concat(entries);
  parts.push(Buffer.from([2]), leb(body.length), body);
  at = end;
}
const shortened = Buffer.concat(parts);
writeFileSync(join(dir, wasmFile), shortened);
writeFileSync(join(dir, jsFile), js);

// The index.html's integrity values for the two files, if trunk wrote them already.
const indexPath = join(dir, 'index.html');
if (existsSync(indexPath)) {
  let html = readFileSync(indexPath, 'utf8');
  for (const file of [wasmFile, jsFile]) {
    const digest = createHash('sha384').update(readFileSync(join(dir, file))).digest('base64');
    html = html.replace(
      new RegExp(`(href="[^"]*${file.replace(/[.$]/g, '\\$&')}"[^>]*integrity=")sha384-[^"]*"`, 'g'),
      `$1sha384-${digest}"`,
    );
  }
  writeFileSync(indexPath, html);
}
console.log(`short-import-names: ${renamed} imports and ${renamedExports} exports renamed; ${wasmFile} ${wasm.length} -> ${shortened.length} bytes`);
