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
//
// A worker takes 90 to 200 ms to load its wasm and start. The app (not an embed)
// calls prepareWorker once it is up: a worker is then started while the page is
// idle, and started again, when idle, after one was stopped for its memory, so
// that a paste does not wait for it.

const MEMORY_LIMIT = 64 * 1024 * 1024;
// What the callback gets, with the request's serial: a progress note, a part of
// the parsed bytes (more follow), the last parsed bytes, or a failure (the page
// then analyses that request itself).
const PROGRESS = 0;
const PARSED = 1;
const FAILED = 2;
const PART = 3;

let worker = null;
let busySerial = 0;
let answered = false;
let unavailable = false;
// The page's callback, given with the first request.
let answer = null;
// Whether a worker is kept ready for the next request (prepareWorker).
let keepReady = false;

/** Sends the files to the worker; false when no worker can run here. */
export function requestParse(serial, names, texts, callback) {
  if (unavailable) return false;
  answer = callback;
  if (worker && busySerial) stop();
  if (!worker && !spawn()) return false;
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

/** Keeps a worker ready: starts one when the page is next idle, if none runs. */
export function prepareWorker() {
  keepReady = true;
  const start = () => {
    if (!worker && !unavailable && typeof Worker !== 'undefined') spawn();
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 2000 });
  else setTimeout(start, 500);
}

function stop() {
  worker.terminate();
  worker = null;
  busySerial = 0;
}

function spawn() {
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
    if (serial && answer) answer(serial, FAILED, null);
  };
  spawned.onmessage = ({ data }) => {
    if (spawned !== worker) return;
    if (data.failed) {
      failed(data.failed);
      return;
    }
    if (data.progress) {
      answer(data.serial, PROGRESS, data.progress);
      return;
    }
    if (data.part) {
      answer(data.serial, PART, data.part);
      return;
    }
    answered = true;
    busySerial = 0;
    if (data.memory > MEMORY_LIMIT) {
      stop();
      if (keepReady) prepareWorker();
    }
    answer(data.serial, PARSED, data.bytes);
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

// Tasks of their own for a long analysis on the page (src/web/worker.rs): a
// message to ourselves is a task queued behind input and frames, without the 4 ms
// a chain of timers waits once it is five deep.
//
// Tasks queued back to back this way can hold off the browser's paint, and with it
// the echo of a key typed meanwhile, for over 100 ms (issue #9). So a task queued
// when the tasks have not waited for a frame in the last 50 ms waits for one
// first: for the next animation frame, or 100 ms, whichever comes first (a hidden
// tab or a throttled frame has no frames, and its work, the save among it, must go
// on). The callbacks run in the order they were queued either way.
const tasks = [];
let taskChannel = null;
let frameAt = 0;

/** Calls `callback` once, in a task of its own. */
export function nextTask(callback) {
  if (!taskChannel) {
    taskChannel = new MessageChannel();
    taskChannel.port1.onmessage = () => tasks.shift()();
  }
  tasks.push(callback);
  if (document.hidden || performance.now() - frameAt <= 50) {
    taskChannel.port2.postMessage(null);
    return;
  }
  let posted = false;
  const post = () => {
    if (posted) return;
    posted = true;
    frameAt = performance.now();
    taskChannel.port2.postMessage(null);
  };
  requestAnimationFrame(post);
  setTimeout(post, 100);
}
