// The page's side of the analysis worker (public/analysis-worker.js), bundled by
// wasm-bindgen as a module snippet of src/web/worker.rs. Plain JavaScript: it costs
// nothing in the wasm budget.
//
// One worker at a time. A request while the worker is busy supersedes the running
// one: the busy worker is terminated and a fresh one started, rather than waited for.
// A worker whose wasm memory grew past MEMORY_LIMIT is stopped after its answer, so
// that the memory of a huge input goes back to the system.
// Where no worker can start (no Worker, or a Content-Security-Policy that forbids
// it), requestParse answers false and the page analyses on its main thread.

const MEMORY_LIMIT = 64 * 1024 * 1024;
// What the callback gets, with the request's serial: a progress note, the parsed
// bytes, or a failure (the page then analyses that request itself).
const PROGRESS = 0;
const PARSED = 1;
const FAILED = 2;

let worker = null;
let busySerial = 0;
let answered = false;
let unavailable = false;

/** Sends the files to the worker; false when no worker can run here. */
export function requestParse(serial, names, texts, callback) {
  if (unavailable) return false;
  if (worker && busySerial) stop();
  if (!worker && !spawn(callback)) return false;
  busySerial = serial;
  worker.postMessage({ serial, names, texts });
  return true;
}

/** A newer input was analysed on the page: what the worker does is stale. */
export function cancelParse() {
  if (worker && busySerial) stop();
}

/** Whether a worker may run here (false once one failed to start). */
export function workerAvailable() {
  return !unavailable && typeof Worker !== 'undefined';
}

function stop() {
  worker.terminate();
  worker = null;
  busySerial = 0;
}

function spawn(callback) {
  const script = document.querySelector('script[data-kubetopo-js]');
  try {
    if (!script) throw new Error('the page has no kubetopo loader script');
    worker = new Worker(new URL('analysis-worker.js', document.baseURI), { type: 'module', name: 'kubetopo analysis' });
  } catch (error) {
    giveUp(error);
    return false;
  }
  const spawned = worker;
  const failed = (reason) => {
    if (spawned !== worker) return;
    const serial = busySerial;
    stop();
    if (!answered) giveUp(reason);
    if (serial) callback(serial, FAILED, null);
  };
  spawned.onmessage = ({ data }) => {
    if (spawned !== worker) return;
    if (data.failed) {
      failed(data.failed);
      return;
    }
    if (data.progress) {
      callback(data.serial, PROGRESS, data.progress);
      return;
    }
    answered = true;
    busySerial = 0;
    if (data.memory > MEMORY_LIMIT) stop();
    callback(data.serial, PARSED, data.bytes);
  };
  spawned.onerror = (event) => {
    event.preventDefault();
    failed(event.message || 'the worker script could not load');
  };
  spawned.postMessage({
    glue: new URL(script.dataset.kubetopoJs, document.baseURI).href,
    wasm: new URL(script.dataset.kubetopoWasm, document.baseURI).href,
  });
  return true;
}

function giveUp(reason) {
  unavailable = true;
  console.warn(`kubetopo analyses on the page itself: ${reason}`);
}
