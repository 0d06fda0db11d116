/**
 * Node-only helpers.
 *
 * @packageDocumentation
 */
export {};
