import { afterEach, beforeAll, expect, test } from 'vitest';
import { NODE_ARGS, REPO_ROOT, runCliProcess } from '../test-utils/run-cli.js';
import { convertStories260k } from '../test-utils/stories260k.js';
import { TmuxSession } from '../test-utils/tmux.js';

// Leaves room in stories260K's 512-token context for the prompt of each turn.
const MAX_TOKENS = 400;
let modelDirectory: string;
let terminal: TmuxSession | undefined;

beforeAll(async () => {
  modelDirectory = await convertStories260k('f32');
});

afterEach(async () => {
  await terminal?.kill();
  terminal = undefined;
});

/** Returns the stats lines printed after replies, in order. */
function statsLines(screen: string): string[] {
  return screen.split('\n').filter((line) => /^\[.*tokens\/s, prompt \d+ tokens/.test(line));
}

test('chat in a terminal: stream, Ctrl-C, /system, /reset, /quit', { timeout: 180_000 }, async () => {
  terminal = await TmuxSession.start(
    [
      process.execPath,
      ...NODE_ARGS,
      'chat',
      '--model',
      modelDirectory,
      '--template',
      'minichat',
      '--backend',
      'cpu',
      '--temperature',
      '0',
      '--max-tokens',
      String(MAX_TOKENS),
      '--system',
      'You are a storyteller.',
    ],
    { cwd: REPO_ROOT, env: { HF_ENDPOINT: 'http://127.0.0.1:2' } },
  );
  await terminal.waitFor(/Ctrl-C stops a reply; \/quit or Ctrl-D exits\.\n> $/m, 60_000);

  // A long reply streams; Ctrl-C stops it and the prompt comes back.
  await terminal.type('Tell me a story');
  await terminal.press('Enter');
  await terminal.waitFor(/> Tell me a story\n\S/);
  await terminal.press('C-c');
  let screen = await terminal.waitFor(/^\[stopped, \d+ tokens.*\]\n> $/m);
  const stopped = Number(/^\[stopped, (\d+) tokens/m.exec(screen)?.[1]);
  expect(stopped).toBeGreaterThan(0);
  expect(stopped).toBeLessThan(MAX_TOKENS);

  // Chinese input; the second turn reuses the cached system prompt.
  await terminal.type('你好，讲个故事');
  await terminal.press('Enter');
  screen = await terminal.waitFor(
    /> 你好，讲个故事\n[\s\S]*\n\[token limit reached, \d+ tokens[^\n]*\]\n> $/,
    60_000,
  );
  const second = statsLines(screen).at(-1) ?? '';
  expect(second).toMatch(new RegExp(`^\\[token limit reached, ${MAX_TOKENS} tokens`));
  const cached = Number(/\((\d+) cached\)/.exec(second)?.[1]);
  expect(cached).toBeGreaterThan(0);

  await terminal.type('/system 你是一个讲故事的人。');
  await terminal.press('Enter');
  await terminal.waitFor(/System prompt set; conversation reset\.\n> $/);
  await terminal.type('/system');
  await terminal.press('Enter');
  await terminal.waitFor(/System prompt: 你是一个讲故事的人。\n> $/);

  await terminal.type('/settings');
  await terminal.press('Enter');
  screen = await terminal.waitFor(/Conversation: 0 messages[^\n]*\n> $/);
  expect(screen).toContain('Chat template: minichat (option)');
  expect(screen).toContain('Backend: cpu');

  await terminal.type('/reset');
  await terminal.press('Enter');
  await terminal.waitFor(/Conversation reset\.\n> $/);

  await terminal.type('/quit');
  await terminal.press('Enter');
  expect(await terminal.waitForExit()).toBe(0);
});

test('chat exits on Ctrl-C twice at an empty prompt', async () => {
  terminal = await TmuxSession.start(
    [
      process.execPath,
      ...NODE_ARGS,
      'chat',
      '--model',
      modelDirectory,
      '--template',
      'minichat',
      '--backend',
      'cpu',
    ],
    { cwd: REPO_ROOT, env: { HF_ENDPOINT: 'http://127.0.0.1:2' } },
  );
  await terminal.waitFor(/\/quit or Ctrl-D exits\.\n> $/m, 60_000);

  await terminal.press('C-c');
  await terminal.waitFor(/Press Ctrl-C again, Ctrl-D or type \/quit to exit\./);
  await terminal.press('C-c');

  expect(await terminal.waitForExit()).toBe(0);
});

test('chat reads piped lines as messages', async () => {
  const run = await runCliProcess(
    [
      'chat',
      '--model',
      modelDirectory,
      '--template',
      'minichat',
      '--backend',
      'cpu',
      '--temperature',
      '0',
      '--max-tokens',
      '16',
      '--system',
      'Hi',
    ],
    { input: 'Once upon a time\n/reset\n你好\n' },
  );

  expect(run.code, run.stderr).toBe(0);
  const stats = statsLines(run.stderr);
  expect(stats).toHaveLength(2);
  expect(stats[0]).toMatch(/^\[token limit reached, 16 tokens, /);
  expect(run.stderr).toContain('Conversation reset.');
  // Only the replies go to stdout, each ending with a newline.
  expect(run.stdout.trim().length).toBeGreaterThan(0);
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout).not.toContain('Conversation reset.');
});
