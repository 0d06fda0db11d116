import type { SamplingOptions } from '@minichat/runtime';
import type { EngineClient } from '../engine-client.js';
import { byId } from './elements.js';
import { hardenLinks, renderMarkdown } from './markdown.js';

/** Key code browsers report for keys pressed while an input method editor composes text. */
const IME_PROCESS_KEY_CODE = 229;

/** One assistant message being streamed. */
interface StreamingReply {
  element: HTMLElement;
  content: HTMLElement;
  meta: HTMLElement;
  text: string;
  chunks: number;
  renderScheduled: boolean;
}

/** Wires the conversation, the composer, the stop and new-chat buttons and the settings. */
export class ChatPanel {
  private readonly messages = byId('messages', HTMLDivElement);
  private readonly prompt = byId('prompt', HTMLTextAreaElement);
  private readonly sendButton = byId('send', HTMLButtonElement);
  private readonly stopButton = byId('stop', HTMLButtonElement);
  private readonly newChatButton = byId('new-chat', HTMLButtonElement);
  private readonly speed = byId('speed', HTMLOutputElement);
  private reply: StreamingReply | undefined;

  constructor(private readonly engine: EngineClient) {
    byId('composer', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.prompt.addEventListener('keydown', (event) => {
      // While an IME composes (Chinese pinyin, Japanese kana), Enter confirms the candidate and must not send.
      if (event.isComposing || event.keyCode === IME_PROCESS_KEY_CODE) return;
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.send();
      }
    });
    this.stopButton.addEventListener('click', () => engine.send({ type: 'stop' }));
    this.newChatButton.addEventListener('click', () => {
      engine.send({ type: 'new-chat' });
      this.messages.replaceChildren();
      this.finishReply('stopped');
      this.prompt.focus();
    });
  }

  /** Enables the composer once a model is loaded. */
  enable(): void {
    this.prompt.disabled = false;
    this.newChatButton.disabled = false;
    this.setBusy(false);
    this.prompt.focus();
  }

  private setBusy(busy: boolean): void {
    this.sendButton.disabled = busy || this.prompt.disabled;
    this.stopButton.disabled = !busy;
  }

  private readSampling(): SamplingOptions {
    const number = (id: string): number | undefined => {
      const text = byId(id, HTMLInputElement).value.trim();
      return text === '' ? undefined : Number(text);
    };
    const sampling: SamplingOptions = {
      temperature: number('temperature') ?? 0.7,
      topK: number('top-k') ?? 0,
      topP: number('top-p') ?? 1,
    };
    const seed = number('seed');
    if (seed !== undefined) sampling.seed = seed;
    return sampling;
  }

  private appendMessage(role: 'user' | 'assistant', text: string): HTMLElement {
    const element = document.createElement('article');
    element.className = `message ${role}`;
    element.setAttribute('aria-label', role === 'user' ? 'You' : 'MiniChat');
    const content = document.createElement('div');
    content.className = 'content';
    content.textContent = text;
    element.append(content);
    this.messages.append(element);
    return element;
  }

  private send(): void {
    const text = this.prompt.value;
    if (text.trim() === '' || this.reply !== undefined || this.prompt.disabled) return;
    this.prompt.value = '';
    this.appendMessage('user', text);
    const element = this.appendMessage('assistant', '');
    element.dataset.state = 'streaming';
    const meta = document.createElement('div');
    meta.className = 'meta';
    element.append(meta);
    const content = element.querySelector<HTMLElement>('.content') ?? element;
    this.reply = { element, content, meta, text: '', chunks: 0, renderScheduled: false };
    this.setBusy(true);
    this.engine.send({
      type: 'generate',
      mode: byId('mode', HTMLSelectElement).value === 'completion' ? 'completion' : 'chat',
      text,
      systemPrompt: byId('system-prompt', HTMLTextAreaElement).value,
      sampling: this.readSampling(),
      maxTokens: Number(byId('max-tokens', HTMLInputElement).value) || 512,
    });
  }

  private render(reply: StreamingReply): void {
    reply.renderScheduled = false;
    reply.content.innerHTML = renderMarkdown(reply.text);
    hardenLinks(reply.content);
    reply.element.dataset.text = reply.text;
    reply.element.dataset.chunks = String(reply.chunks);
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  /** Appends a streamed text delta; rendering is batched to one per animation frame. */
  appendText(text: string, tokensPerSecond: number | undefined): void {
    const reply = this.reply;
    if (reply === undefined) return;
    reply.text += text;
    reply.chunks += 1;
    if (tokensPerSecond !== undefined) this.speed.value = `${tokensPerSecond.toFixed(1)} tokens/s`;
    if (!reply.renderScheduled) {
      reply.renderScheduled = true;
      requestAnimationFrame(() => this.render(reply));
    }
  }

  /** Ends the current reply with its finish reason and final speed. */
  finish(reason: string, completionTokens: number, tokensPerSecond: number | undefined): void {
    const reply = this.reply;
    if (reply === undefined) return;
    const speed = tokensPerSecond === undefined ? '' : `, ${tokensPerSecond.toFixed(1)} tokens/s`;
    reply.meta.textContent = `${completionTokens} tokens${speed}${reason === 'abort' ? ', stopped' : ''}`;
    if (tokensPerSecond !== undefined) this.speed.value = `${tokensPerSecond.toFixed(1)} tokens/s`;
    this.finishReply(reason === 'abort' ? 'stopped' : 'done');
  }

  /** Ends the current reply after an error. */
  fail(): void {
    this.finishReply('failed');
  }

  private finishReply(state: 'done' | 'stopped' | 'failed'): void {
    const reply = this.reply;
    if (reply !== undefined) {
      this.render(reply);
      reply.element.dataset.state = state;
    }
    this.reply = undefined;
    this.setBusy(false);
  }
}
