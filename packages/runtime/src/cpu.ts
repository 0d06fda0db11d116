/**
 * The CPU reference backend: plain f32 TypeScript, the oracle every other backend is tested against.
 *
 * @packageDocumentation
 */
export { type CpuBackendOptions, createCpuBackend } from './backend/cpu/cpu-backend.js';
