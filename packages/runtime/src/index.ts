/**
 * Runs LLaMA-family models on a kernel backend passed in by the caller.
 *
 * @packageDocumentation
 */
export * from './backend/interface.js';
export {
  BackendUsageError,
  BackendVersionError,
  ContextLengthError,
  InvalidOptionError,
  ModelStateError,
  RuntimeError,
  UnsupportedModelError,
  WeightShapeError,
} from './errors.js';
