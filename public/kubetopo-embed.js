// kubetopo-embed.js: turns kubetopo code blocks on a documentation page into live
// viewers, the way mermaid turns its fences into diagrams.
//
// Include it once, anywhere on the page, from the folder that holds the kubetopo app
// (dist/ of `make web`):
//
//   <script src="/docs/kubetopo/kubetopo-embed.js" defer></script>
//
// It finds every ```kubetopo fence (rendered by mdBook, MkDocs, Docusaurus and Hugo
// as <pre><code class="language-kubetopo">) and every <pre class="kubetopo">, and
// when one scrolls into view it puts the app beside it in an iframe, in embed mode,
// with the block's manifests in the frame address's fragment. The app is the
// index.html next to this script, so the pair works from any sub-path.
//
// Options, as data attributes on the <pre> (or its <code>):
//   data-view="cluster|logical|table"  the view shown first (default: cluster)
//   data-traffic="on|off"               animate traffic (default: on)
//   data-sample="ID"                    show a bundled sample instead of the text
//   data-height="480"                   a fixed height in pixels (default: the
//                                       height of the diagram, as the app reports it)
//
// Safety: the block's text is data. It is read with textContent-like walking, never
// parsed as markup, and goes only into the iframe address's fragment (base64url),
// which browsers never send to a server. The script writes no HTML strings, and only
// styles its own elements, through the CSSOM (a page CSP without 'unsafe-inline'
// for styles allows that). The original block stays on the page, untouched and
// readable, until the app inside the frame has drawn; if anything fails, it stays.
(() => {
  'use strict';

  // Included twice (a theme and a page both add it): the first copy does the work.
  if (window.kubetopoEmbed) return;

  // document.currentScript is null in modules and callbacks; read it now, with a
  // fallback for hosts that load the script in other ways.
  const script = document.currentScript || document.querySelector('script[src*="kubetopo-embed"]');
  if (!script || !script.src) {
    console.error('kubetopo-embed: cannot tell where the script came from, so cannot find the app.');
    return;
  }
  const APP_URL = new URL('./', script.src);
  const APP_ORIGIN = APP_URL.origin;
  const SELECTOR = 'pre.kubetopo, pre.language-kubetopo, pre > code.language-kubetopo, .language-kubetopo pre';
  const HEIGHT_MESSAGE = 'kubetopo:height';
  // Browsers accept addresses of about 2 MB; base64 adds a third.
  const MAX_TEXT_BYTES = 1_000_000;
  const MIN_HEIGHT = 160;
  const MAX_HEIGHT = 4000;

  /** Blocks already handled, so that a second scan leaves them alone. */
  const seen = new WeakSet();
  /** Each frame's window, to the viewer it belongs to. */
  const viewers = new Map();

  // Loads each viewer when its block comes within a screen's height of the viewport.
  const observer = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        load(entry.target);
      }
    }, { rootMargin: '200px 0px' })
    : null;

  /** Sets styles as !important through the CSSOM: the page's stylesheets cannot undo them. */
  function style(element, declarations) {
    for (const [property, value] of Object.entries(declarations)) {
      element.style.setProperty(property, value, 'important');
    }
  }

  /** The block's text as written: text nodes, and line breaks for <br>. Never markup. */
  function textOf(node) {
    let text = '';
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) text += child.data;
      else if (child.nodeName === 'BR') text += '\n';
      else if (child.nodeType === Node.ELEMENT_NODE && !child.matches('button, .buttons')) text += textOf(child);
    }
    return text;
  }

  /** UTF-8, then base64url without padding: the app's `#manifests=` format. */
  function base64url(text) {
    const bytes = new TextEncoder().encode(text);
    let binary = '';
    for (let index = 0; index < bytes.length; index += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** A data attribute from the <pre> or its <code>. */
  function option(pre, name) {
    const code = pre.querySelector(':scope > code');
    const value = pre.dataset[name] ?? code?.dataset[name];
    return value === undefined ? undefined : String(value).trim();
  }

  /** The frame's address: the app in embed mode, the options in the query, the text in the fragment. */
  function frameAddress(pre) {
    const url = new URL(APP_URL);
    const params = new URLSearchParams();
    params.set('embed', '');
    const view = option(pre, 'view');
    if (view) params.set('view', view);
    const traffic = option(pre, 'traffic');
    if (traffic) params.set('traffic', traffic);
    const sample = option(pre, 'sample');
    if (sample) {
      params.set('sample', sample);
      url.search = params.toString();
      return url.href;
    }
    const code = pre.querySelector(':scope > code');
    const text = textOf(code || pre).replace(/\s+$/, '');
    if (!text.trim()) return null;
    if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) {
      console.warn(`kubetopo-embed: a block of more than ${MAX_TEXT_BYTES} bytes is left as text; use \`kubetopo render\` for it.`);
      return null;
    }
    url.search = params.toString();
    url.hash = `manifests=${base64url(text)}`;
    return url.href;
  }

  /** A fixed height from data-height, in pixels, or null for "the diagram's height". */
  function fixedHeight(pre) {
    const value = option(pre, 'height');
    if (value === undefined || value === '') return null;
    const pixels = Number.parseInt(value, 10);
    if (!Number.isFinite(pixels)) {
      console.warn(`kubetopo-embed: data-height="${value}" is not a number of pixels; the viewer sizes itself.`);
      return null;
    }
    return Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, pixels));
  }

  /** Puts the viewer beside the block. The block stays until the app reports it has drawn. */
  function load(pre) {
    // A single-page site may have replaced the page since the block was seen.
    if (!pre.isConnected) return;
    const address = frameAddress(pre);
    if (!address) return;
    const holder = document.createElement('div');
    holder.className = 'kubetopo-embed';
    style(holder, { display: 'block', position: 'relative', padding: '0', border: '0', transform: 'none' });
    pre.before(holder);
    holder.append(pre);
    const frame = document.createElement('iframe');
    frame.title = 'kubetopo: an interactive diagram of these Kubernetes manifests';
    frame.setAttribute('data-kubetopo-frame', '');
    // Loading: over the block, invisible and not clickable, but laid out, so that
    // the app measures a real width and its animation frames run.
    style(frame, {
      display: 'block', position: 'absolute', left: '0', top: '0', width: '100%', height: '100%',
      'min-height': `${MIN_HEIGHT}px`, 'max-width': 'none', 'max-height': 'none', margin: '0', padding: '0', border: '0',
      opacity: '0', 'pointer-events': 'none', visibility: 'visible', transform: 'none', filter: 'none',
      'box-sizing': 'border-box', background: 'transparent',
    });
    frame.src = address;
    holder.append(frame);
    const viewer = { pre, holder, frame, fixed: fixedHeight(pre), shown: false };
    viewers.set(frame.contentWindow, viewer);
  }

  /** The app has drawn: show the frame at its height, and hide the block. */
  function show(viewer, reportedHeight) {
    const height = viewer.fixed ?? Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(reportedHeight) + 2));
    if (!viewer.shown) {
      viewer.shown = true;
      const margins = getComputedStyle(viewer.pre);
      style(viewer.holder, { 'margin-top': margins.marginTop, 'margin-bottom': margins.marginBottom });
      style(viewer.pre, { display: 'none' });
      style(viewer.frame, {
        position: 'static', 'min-height': '0', opacity: '1', 'pointer-events': 'auto',
        border: '1px solid rgba(127, 127, 127, 0.35)', 'border-radius': '6px',
      });
      viewer.holder.setAttribute('data-kubetopo-state', 'shown');
    }
    style(viewer.frame, { height: `${height}px` });
  }

  // Only the frames this script made, and only from the app's origin, may resize them.
  window.addEventListener('message', (event) => {
    const viewer = viewers.get(event.source);
    if (!viewer || event.origin !== APP_ORIGIN) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.type !== HEIGHT_MESSAGE) return;
    if (typeof data.height !== 'number' || !Number.isFinite(data.height) || data.height <= 0) return;
    show(viewer, data.height);
  });

  /** Finds blocks not seen yet and loads each when it comes into view. */
  function scan(root = document) {
    for (const match of root.querySelectorAll(SELECTOR)) {
      const pre = match.closest('pre') || match;
      if (seen.has(pre)) continue;
      seen.add(pre);
      if (observer) observer.observe(pre);
      else load(pre);
    }
  }

  // `kubetopoEmbed.scan()` looks for new blocks at once, for pages that add them.
  window.kubetopoEmbed = Object.freeze({ scan: () => scan() });
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => scan());
  } else {
    scan();
  }
  // Single-page docs (Docusaurus) render pages after the script ran: look again
  // when the page changes, once per frame at most.
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      scan();
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
