/**
 * URL of a kernel module in the package's `dist/`, by [shared][relaxed]. Each file is spelled out as
 * `new URL(literal, import.meta.url)` so that bundlers see the assets and copy them. From src/ and from
 * dist/ alike, ../dist/ is the package's dist folder.
 */
export function kernelModuleUrl(shared: boolean, relaxed: boolean): URL {
  if (shared) {
    return relaxed
      ? new URL('../dist/minichat-kernels-shared-relaxed.wasm', import.meta.url)
      : new URL('../dist/minichat-kernels-shared.wasm', import.meta.url);
  }
  return relaxed
    ? new URL('../dist/minichat-kernels-relaxed.wasm', import.meta.url)
    : new URL('../dist/minichat-kernels.wasm', import.meta.url);
}
