import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Returns the module specifiers of every `import … from` and `export … from` in a source file. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
}

/** Follows relative imports from `entry` and returns every file reached with the package imports it makes. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const specifiers = importsOf(file);
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  }
  return graph;
}

test('main entry imports no Node modules', () => {
  const graph = importGraph(join(SOURCE_DIR, 'index.ts'));
  const nodeOnly: string[] = [];
  for (const [file, specifiers] of graph) {
    for (const specifier of specifiers) {
      const isNodeOnly = specifier.startsWith('node:') || /^@minichat\/[^/]+\/node$/.test(specifier);
      if (isNodeOnly) nodeOnly.push(`${file.slice(SOURCE_DIR.length + 1)} imports ${specifier}`);
    }
  }

  expect(graph.size).toBeGreaterThan(10);
  expect([...graph.keys()].some((file) => file.includes('/server/'))).toBe(false);
  expect(nodeOnly).toEqual([]);
});
