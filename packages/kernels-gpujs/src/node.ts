/**
 * Node helpers: the backend plus a check that reports why the `headlessgl` mode is missing.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';

export * from './index.js';

/** Whether the headless-gl native module loads, and the error when it does not. */
export interface HeadlessGlStatus {
  /** True when `require('gl')` succeeds. */
  loaded: boolean;
  /** The load error, when `loaded` is false. */
  error?: Error;
}

/**
 * Checks whether the optional `gl` package (headless-gl) is installed and built. A loaded module can
 * still fail to create a context without a display: run Node under `xvfb-run -a` on a machine without
 * one.
 */
export function checkHeadlessGl(): HeadlessGlStatus {
  try {
    createRequire(import.meta.url)('gl');
    return { loaded: true };
  } catch (error) {
    return { loaded: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
