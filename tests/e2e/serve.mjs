// A tiny static server for dist/, bound to 127.0.0.1 only. Used by the browser
// tests and benchmarks so they need nothing but Node.
//
// MOUNTS lists the URL prefixes dist/ is served under, comma-separated ("/" by
// default). Serving it under a nested prefix as well, such as /docs/tools/kubetopo/,
// lets a test prove the build asks for nothing at the site root. Anything outside
// the mounts is a 404, as on a docs site that hosts other things at its root.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../dist/', import.meta.url));
const port = Number(process.env.PORT || 8765);
const mounts = (process.env.MOUNTS || '/')
  .split(',')
  .map((mount) => mount.trim())
  .filter((mount) => mount.startsWith('/'))
  .map((mount) => (mount.endsWith('/') ? mount : `${mount}/`))
  // Longest first, so a nested mount wins over the root.
  .sort((a, b) => b.length - a.length);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

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
  if (mounts.includes(`${pathname}/`)) {
    response.writeHead(301, { location: `${pathname}/` });
    return response.end();
  }
  const mount = mounts.find((prefix) => pathname.startsWith(prefix));
  if (!mount) return notFound(response);
  const path = normalize(`/${pathname.slice(mount.length)}`).replace(/^(\.\.[/\\])+/, '');
  const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(body);
  } catch {
    notFound(response);
  }
}).listen(port, '127.0.0.1', () => console.log(`serving dist/ under ${mounts.join(', ')} on http://127.0.0.1:${port}`));
