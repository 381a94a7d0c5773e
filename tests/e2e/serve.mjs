// A tiny static server for dist/, bound to 127.0.0.1 only. Used by the browser
// tests and benchmarks so they need nothing but Node.
//
// MOUNTS lists the URL prefixes to serve, comma-separated ("/" by default). A
// prefix alone serves dist/; `PREFIX=DIR` serves DIR (relative to the repository)
// instead, such as a built documentation book. Serving dist/ under a nested prefix
// as well, such as /docs/tools/kubetopo/, lets a test prove the build asks for
// nothing at the site root, and a book at /docs/guide/ with dist/ at
// /docs/guide/kubetopo/ is a docs site that embeds the app. The longest matching
// prefix wins. Anything outside the mounts is a 404, as on a docs site that hosts
// other things at its root.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(repository, 'dist');
const port = Number(process.env.PORT || 8765);
const mounts = (process.env.MOUNTS || '/')
  .split(',')
  .map((entry) => entry.trim())
  .filter((entry) => entry.startsWith('/'))
  .map((entry) => {
    const [prefix, dir] = entry.split('=');
    return { prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, root: dir ? resolve(repository, dir) : dist };
  })
  // Longest first, so a nested mount wins over the root.
  .sort((a, b) => b.prefix.length - a.prefix.length);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2', '.png': 'image/png' };

function notFound(response) {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}

createServer(async (request, response) => {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(request.url, 'http://x').pathname);
  } catch {
    return notFound(response);
  }
  // A mount without its trailing slash redirects, as static hosts do, so that
  // relative URLs in the page resolve inside the mount.
  if (mounts.some((mount) => mount.prefix === `${pathname}/`)) {
    response.writeHead(301, { location: `${pathname}/` });
    return response.end();
  }
  const mount = mounts.find(({ prefix }) => pathname.startsWith(prefix));
  if (!mount) return notFound(response);
  const path = normalize(`/${pathname.slice(mount.prefix.length)}`).replace(/^(\.\.[/\\])+/, '');
  const file = join(mount.root, path.endsWith('/') ? `${path}index.html` : path);
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  } catch {
    notFound(response);
  }
}).listen(port, '127.0.0.1', () => {
  const listing = mounts.map(({ prefix, root }) => `${prefix} (${root})`).join(', ');
  console.log(`serving ${listing} on http://127.0.0.1:${port}`);
});
