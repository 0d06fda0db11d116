import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RESULT_LINE_PREFIX, type RunOutcome, type RunSpec } from './types.js';

/** SwiftShader's Vulkan driver from Debian's chromium package: Dawn's adapter on machines without a GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Characters of the child's stderr kept for an error message. */
const STDERR_TAIL_CHARS = 2000;

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Runs one measurement in a child Node process with the same loader flags as this one (tsx and the
 * `minichat-source` condition), and returns its result. A child that crashes, exits without a result or
 * runs past `timeoutMs` (it is then killed) yields an error outcome with the reason and the end of its
 * stderr, so this function never throws.
 */
export function runInChild(spec: RunSpec, timeoutMs: number): Promise<RunOutcome> {
  const env = { ...process.env };
  if (!spec.systemVulkan && env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD_ENTRY, JSON.stringify(spec)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `Could not start the measurement process: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_LINE_PREFIX));
      if (line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_LINE_PREFIX.length)) as RunOutcome);
        return;
      }
      const reason = timedOut
        ? `timed out after ${(timeoutMs / 1000).toFixed(0)} s and was killed`
        : `exited with ${signal ?? `code ${code}`} before reporting a result`;
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      resolve({ ok: false, error: `The ${spec.runner} run ${reason}${tail ? `: ${tail}` : ''}` });
    });
  });
}
