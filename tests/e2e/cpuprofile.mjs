// Reading Chromium CPU profiles (`Profiler.stop`'s `profile`), shared by the
// profiling scripts (profile.mjs, profile-paste.mjs).

const label = (node) => {
  const frame = node.callFrame;
  const script = frame.url ? frame.url.split('/').pop() : '';
  return `${frame.functionName || '(anonymous)'}${script ? ` [${script}]` : ''}`;
};

/** Each function's total milliseconds over `samples` ([node id, ms] pairs),
 * counted once per stack, so that recursion is not counted twice. */
function totals(profile, samples) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node.id);
  const self = new Map();
  const total = new Map();
  for (const [id, ms] of samples) {
    const name = label(byId.get(id));
    self.set(name, (self.get(name) || 0) + ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const outer = label(byId.get(at));
      if (seen.has(outer)) continue;
      seen.add(outer);
      total.set(outer, (total.get(outer) || 0) + ms);
    }
  }
  return { self, total };
}

const rows = (map, top) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms  ${name}`);

/** The samples as [node id, milliseconds], with the time each started. */
function timedSamples(profile) {
  let t = profile.startTime;
  return profile.samples.map((id, i) => {
    t += profile.timeDeltas[i] || 0;
    return { id, at: t, ms: (profile.timeDeltas[i + 1] || 0) / 1000 };
  });
}

/** The top `top` functions by self and by total milliseconds, and the profile's wall time. */
export function summarize(profile, top) {
  const { self, total } = totals(profile, profile.samples.map((id, i) => [id, (profile.timeDeltas[i] || 0) / 1000]));
  return { wallMs: Math.round((profile.endTime - profile.startTime) / 1000), self: rows(self, top), total: rows(total, top) };
}

/** The busy stretches of the main thread (samples with no idle gap over 2 ms
 * between them: a task, or tasks run back to back) of at least `minMs`, each with
 * its start (ms into the profile), its length and its top functions by total time. */
export function busyStretches(profile, minMs, top) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const idle = (id) => ['(idle)', '(program)'].includes(byId.get(id).callFrame.functionName);
  const stretches = [];
  let current = null;
  for (const sample of timedSamples(profile)) {
    if (idle(sample.id)) {
      if (current && sample.at - current.end > 2000) {
        stretches.push(current);
        current = null;
      }
      continue;
    }
    current ??= { start: sample.at, end: sample.at, samples: [] };
    current.end = sample.at + sample.ms * 1000;
    current.samples.push([sample.id, sample.ms]);
  }
  if (current) stretches.push(current);
  return stretches
    .map((s) => ({ startMs: Math.round((s.start - profile.startTime) / 1000), ms: Math.round((s.end - s.start) / 1000), total: rows(totals(profile, s.samples).total, top) }))
    .filter((s) => s.ms >= minMs);
}
