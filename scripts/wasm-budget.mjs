// The release wasm against its budget: 600 KB brotli (614,400 bytes), compressed
// at quality 11 as `make bench-web` measures it (issue #9). `make test` runs this
// after building dist/, and fails when the wasm is over.
//
//   node scripts/wasm-budget.mjs [DIST]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const BUDGET = 600 * 1024;
const dir = process.argv[2] ?? 'dist';
const files = readdirSync(dir).filter((name) => name.endsWith('_bg.wasm'));
if (files.length !== 1) {
  console.error(`wasm budget: expected one *_bg.wasm in ${dir}, found ${files.length}`);
  process.exit(1);
}
const wasm = readFileSync(join(dir, files[0]));
const brotli = brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const bytes = (n) => n.toLocaleString('en-US');
const verdict = brotli <= BUDGET ? `${bytes(BUDGET - brotli)} under` : `${bytes(brotli - BUDGET)} OVER`;
console.log(`wasm budget: ${files[0]} is ${bytes(wasm.length)} bytes, ${bytes(brotli)} brotli; budget ${bytes(BUDGET)}: ${verdict}`);
if (brotli > BUDGET) {
  console.error('wasm budget: over 600 KB brotli; README.md, "The wasm budget", says what has brought it under before');
  process.exit(1);
}
