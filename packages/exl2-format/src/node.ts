/**
 * Node-only entry point: files on disk, model directories and file writers.
 * @packageDocumentation
 */
export { directoryFiles } from './node/directory-files.js';
export { type FileByteSource, fileSource } from './node/file-source.js';
export { writeSafetensorsFile } from './node/write-file.js';
