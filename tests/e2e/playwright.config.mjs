// Browser end-to-end tests in Debian's headless Chromium (never a downloaded browser).
import { defineConfig } from '@playwright/test';

// KUBETOPO_E2E_PORT lets several checkouts run their specs side by side.
const port = Number(process.env.KUBETOPO_E2E_PORT || 8765);
// dist/ is also served under this nested prefix, to check that it works from any
// sub-path (specs/subpath.spec.mjs).
export const SUBPATH = '/docs/tools/kubetopo/';
// Documentation sites that embed the app (specs/mdbook.spec.mjs, specs/embed.spec.mjs):
// the book built from tests/e2e/book/ and the plain pages of tests/e2e/pages/, each
// with dist/ beside it in a kubetopo/ folder, where the embed script expects the app.
export const BOOK_PATH = '/docs/guide/';
export const PAGES_PATH = '/site/';
const DOCS_MOUNTS = [`${BOOK_PATH}=tests/e2e/book/out`, `${BOOK_PATH}kubetopo/`, `${PAGES_PATH}=tests/e2e/pages`, `${PAGES_PATH}kubetopo/`];
export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: `node tests/e2e/serve.mjs`,
    cwd: '../..',
    url: `http://127.0.0.1:${port}/`,
    env: { PORT: String(port), MOUNTS: ['/', SUBPATH, ...DOCS_MOUNTS].join(',') },
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
