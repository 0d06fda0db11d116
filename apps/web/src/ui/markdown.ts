import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const markdown = new Marked({ async: false, gfm: true, breaks: true });

/**
 * Renders model output as Markdown and sanitizes the HTML, so a reply cannot inject scripts, event
 * handlers or forms into the page. Raw HTML the model writes survives only in DOMPurify's safe subset.
 */
export function renderMarkdown(text: string): string {
  const html = markdown.parse(text, { async: false });
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  });
}

/** Makes every link in `root` open in a new tab without giving the new page a handle on this one. */
export function hardenLinks(root: HTMLElement): void {
  for (const link of root.querySelectorAll('a')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
}
