import { requestNodeDevice } from '../node-device.js';

let shared: Promise<GPUDevice> | undefined;

/** A Dawn device shared by the tests of one file (SwiftShader in CI). */
export function testDevice(): Promise<GPUDevice> {
  shared ??= requestNodeDevice().then(({ device }) => device);
  return shared;
}
