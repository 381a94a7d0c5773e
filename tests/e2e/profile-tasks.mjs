// Where the long main-thread tasks of a bench run go: reads a CPU profile written by
// `BENCH_PROFILE=DIR node tests/e2e/bench.mjs` and prints each busy stretch over
// THRESHOLD ms (default 80), with the functions that took its time, by self time and
// by total time.
//
//   node tests/e2e/profile-tasks.mjs FILE.cpuprofile [THRESHOLD_MS] [ROWS]
//
// A busy stretch is a run of samples none of which is idle. Wasm functions have
// their names only in a build that keeps the name section: build with
// `trunk build --release --dist DIR` from a copy of index.html whose rust link has
// `data-keep-debug` and `data-wasm-opt="0"` (the code is then not the shipped code,
// but its hot spots are).
import { readFileSync } from 'node:fs';

const [file, thresholdArg, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node tests/e2e/profile-tasks.mjs FILE.cpuprofile [THRESHOLD_MS] [ROWS]');
  process.exit(2);
}
const threshold = Number(thresholdArg || 80);
const rows = Number(rowsArg || 12);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const label = (n) => {
  const f = n.callFrame;
  const name = f.functionName || '(anonymous)';
  return f.url && !name.startsWith('(') ? `${name} ${f.url.split('/').pop()}:${f.lineNumber + 1}` : name;
};
/** The distinct labels on a sample's stack, leaf first. */
const stack = (id) => {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at);
    if (n.callFrame.functionName !== '(root)') seen.add(label(n));
  }
  return [...seen];
};

// Sample i lasts from its time to the next sample's.
const times = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) times.push((t += d));
const idle = (i) => byId.get(profile.samples[i]).callFrame.functionName === '(idle)';

const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, rows);
let start = null;
for (let i = 0; i <= profile.samples.length; i++) {
  const busy = i < profile.samples.length && !idle(i);
  if (busy && start === null) start = i;
  if (!busy && start !== null) {
    const ms = ((times[i - 1] ?? times[start]) - times[start]) / 1000 + (profile.timeDeltas[i] ?? 0) / 1000;
    if (ms >= threshold) {
      const self = new Map();
      const total = new Map();
      for (let j = start; j < i; j++) {
        const dt = ((times[j + 1] ?? times[j]) - times[j]) / 1000;
        const names = stack(profile.samples[j]);
        self.set(names[0], (self.get(names[0]) || 0) + dt);
        for (const name of names) total.set(name, (total.get(name) || 0) + dt);
      }
      console.log(`\n== at ${((times[start] - profile.startTime) / 1000).toFixed(0)} ms: busy ${ms.toFixed(0)} ms`);
      console.log('  self:');
      for (const [name, v] of top(self)) console.log(`    ${v.toFixed(1).padStart(7)}  ${name.slice(0, 150)}`);
      console.log('  total:');
      for (const [name, v] of top(total)) console.log(`    ${v.toFixed(1).padStart(7)}  ${name.slice(0, 150)}`);
    }
    start = null;
  }
}
