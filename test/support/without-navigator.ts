/**
 * Loads a module while the `navigator` global is hidden, then puts it back.
 *
 * jsbn, the big-number code inside the SRP references the tests compare against (srp-js, secure-remote-password),
 * picks its arithmetic when it is first loaded: when a `navigator` global exists, as Node 22 (the deployed
 * runtime, which CI also tests on) defines one, it takes its slowest variant and those tests run dozens of times
 * slower than on Node 20 (packages/srp vectors: 3 s against 74 s; an e2e login idles past the server's
 * keep-alive and its next request is reset). Loaded while `navigator` is hidden, jsbn takes the variant it uses
 * on Node 20; nothing else ever sees the change.
 */
export function loadWithoutNavigator<T>(load: () => T): T {
  const own = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  if (!own?.configurable) return load();
  Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
  try {
    return load();
  } finally {
    Object.defineProperty(globalThis, 'navigator', own);
  }
}
