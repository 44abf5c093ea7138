/**
 * @module package-root
 * The package's root directory as a file: URL (ending in '/'), for files that ship beside the
 * code: package.json, the native addon, the web pages' static files.
 *
 * Why this file sits at the top of src/: fsevd runs either from src/*.ts (tsx) or from the bundle
 * that scripts/build.mjs writes directly into dist/ (dist/fsevd.js and its chunks, into which
 * this module is inlined). In both, the parent of the running file's directory is the root.
 */

/** The package root: the directory holding package.json, src/, dist/ and native/. */
export const packageRoot: URL = new URL('../', import.meta.url);
