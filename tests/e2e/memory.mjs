// Resident memory of the Chromium that a benchmark started (bench.mjs,
// bench-huge-paste.mjs), read from /proc. Playwright starts Chromium from the
// benchmark's Node process, so that process's descendants are the browser.
import { readFileSync, readdirSync } from 'node:fs';

/** The processes under `rootPid` (not itself). */
function descendants(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* the process ended */ }
  }
  const inTree = (pid) => { for (let p = pid; p; p = parents.get(p)) if (p === rootPid) return true; return false; };
  return [...parents.keys()].filter((pid) => pid !== rootPid && inTree(pid));
}

/** A process's resident set in kB (0 once it ended). */
function rssKb(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
    return match ? Number(match[1]) : 0;
  } catch { return 0; }
}

/** The resident sets of `rootPid`'s descendants, summed, in MB: the whole browser. */
export function browserRssMb(rootPid) {
  return Math.round(descendants(rootPid).reduce((kb, pid) => kb + rssKb(pid), 0) / 1024);
}

/** The resident set of the largest renderer process under `rootPid`, in MB: the
 * page's tab (its analysis worker is a thread of the same process). */
export function tabRssMb(rootPid) {
  const isRenderer = (pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer'); } catch { return false; }
  };
  return Math.round(Math.max(0, ...descendants(rootPid).filter(isRenderer).map(rssKb)) / 1024);
}
