/**
 * Browser entry of the Markdown test: renders hostile and ordinary inputs with the app's renderer,
 * inserts the results into the page and publishes them as `globalThis.markdownResults`.
 */
import { hardenLinks, renderMarkdown } from '../../src/ui/markdown.js';

const CASES: Record<string, string> = {
  script: 'before<script>globalThis.injected = "script"</script>after',
  eventHandler: '<img src="data:," onerror="globalThis.injected = \'onerror\'">',
  javascriptLink: '[click](javascript:globalThis.injected=1)',
  form: '<form action="https://example.invalid"><input name="q"><button>go</button></form>',
  link: '[docs](https://example.invalid/page)',
  chinese: '你好，**世界**！这是`代码`。',
  codeBlock: '```js\nconst ok = 1 < 2;\n```',
};

const results: Record<string, string> = {};
for (const [name, markdown] of Object.entries(CASES)) {
  const container = document.createElement('div');
  container.innerHTML = renderMarkdown(markdown);
  hardenLinks(container);
  document.body.append(container);
  results[name] = container.innerHTML;
}
(globalThis as { markdownResults?: Record<string, string> }).markdownResults = results;
