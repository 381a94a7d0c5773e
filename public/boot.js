// Starts kubetopo.
//
// This is a file rather than the inline loader trunk writes by default, so that the
// page's Content-Security-Policy can leave 'unsafe-inline' out of script-src: an
// injected <script> element or onclick attribute would not run. Trunk.toml's
// pattern_script puts the hashed names of the wasm-bindgen loader and the wasm
// module on this script's element, relative to the page, so that dist/ works from
// any sub-path.
const script = document.querySelector('script[data-kubetopo-js]');

// The crash banner's button: a listener here, because an onclick attribute is an
// inline script the policy forbids.
document.getElementById('panic-reload')?.addEventListener('click', () => location.reload());

try {
  const loader = await import(new URL(script.dataset.kubetopoJs, document.baseURI).href);
  const wasm = await loader.default({ module_or_path: new URL(script.dataset.kubetopoWasm, document.baseURI) });
  // The size of the page's wasm memory, which only grows: the benchmarks read it
  // to tell the wasm's share of the tab's memory from the rest.
  window.kubetopoWasmBytes = () => wasm.memory.buffer.byteLength;
} catch (error) {
  // Without the wasm the page would stay empty; say why instead.
  console.error('kubetopo could not start:', error);
  const message = document.getElementById('panic-message');
  if (message) message.textContent = `It could not start: ${error}`;
  document.getElementById('panic-banner')?.removeAttribute('hidden');
}
