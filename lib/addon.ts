// Which native binary this process loaded, and from where. The choice is
// node-gyp-build's: a local build (build/Release, then build/Debug) wins over
// the binaries shipped in the package's prebuilds/<platform>-<arch>/, so a
// stale build can shadow a prebuild; this says which one it was.

import path = require('node:path');
import load = require('node-gyp-build');

/** The native addon this process loaded: see {@link addon}. */
export interface AddonInfo {
  /**
   * Absolute path of the `.node` file, as passed to `require()` (so
   * `require.cache[addon.path]` is its module).
   */
  readonly path: string;
  /**
   * True for a binary shipped prebuilt in the package
   * (`prebuilds/<platform>-<arch>/`), false for one compiled on this machine
   * when the package was installed (`build/Release`).
   */
  readonly prebuilt: boolean;
}

/**
 * The native addon this process loaded (dlopen(3) through `require()`), for
 * bug reports and for checking that an install used the prebuilt binary:
 * `node -p "require('bsdsock').addon"`.
 *
 * The file is found by node-gyp-build's rules: `build/Release` or
 * `build/Debug` first (skipped when `PREBUILDS_ONLY` is set in the
 * environment), then `prebuilds/<platform>-<arch>/` matched on libc (glibc or
 * musl); `BSDSOCK_PREBUILD` names a directory to search instead of the
 * package's own. Loading happens once, when bsdsock is first imported, and
 * throws there if it fails: node-gyp-build's "No native build was found"
 * error, or `ERR_DLOPEN_FAILED` for a file the dynamic loader rejects.
 */
export const addon: AddonInfo = ((): AddonInfo => {
  // lib/ and dist/ both sit one level below the package root.
  const file = load.resolve(path.join(__dirname, '..'));
  return Object.freeze({ path: file, prebuilt: path.basename(path.dirname(path.dirname(file))) === 'prebuilds' });
})();
