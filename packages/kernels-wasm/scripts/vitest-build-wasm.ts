// @ts-expect-error The build script is plain JavaScript without type declarations.
import { buildWasm } from './build-wasm.mjs';

/** Vitest global setup: compiles the kernels when dist/ lacks them or they are older than csrc/. */
export default function setup(): void {
  buildWasm({ ifMissing: true });
}
