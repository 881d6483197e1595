// node-gyp-build ships no type declarations.
declare module 'node-gyp-build' {
  /** Loads the addon of the package rooted at `dir`: build/ first, then prebuilds/. */
  function load(dir: string): unknown;
  namespace load {
    /** The path load(dir) would require(); throws if there is none. */
    function resolve(dir: string): string;
  }
  export = load;
}
