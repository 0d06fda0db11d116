import { EngineClient } from './engine-client.js';
import { ChatPanel } from './ui/chat-panel.js';
import { byId } from './ui/elements.js';
import { LoadPanel } from './ui/load-panel.js';
import type { WorkerEvent } from './worker/protocol.js';

const engine = new EngineClient();
const loadPanel = new LoadPanel(engine);
const chatPanel = new ChatPanel(engine);
const errorBox = byId('error', HTMLParagraphElement);

function showError(event: Extract<WorkerEvent, { type: 'error' }>): void {
  errorBox.hidden = false;
  errorBox.textContent = `${event.name}: ${event.message}`;
  if (event.during === 'load') loadPanel.showLoadFailed(event.message);
  if (event.during === 'generate') chatPanel.fail();
}

engine.subscribe((event) => {
  switch (event.type) {
    case 'device':
      loadPanel.showDevice(event.report);
      return;
    case 'download':
      loadPanel.showProgress(`Downloading ${event.file}`, event.loadedBytes, event.totalBytes);
      return;
    case 'fit':
      loadPanel.showFit(event.report);
      return;
    case 'load-progress':
      loadPanel.showProgress('Uploading weights', event.loadedBytes, event.totalBytes);
      return;
    case 'loaded':
      errorBox.hidden = true;
      errorBox.textContent = '';
      loadPanel.showLoaded(`Loaded on ${event.description}, context ${event.contextLength} tokens.`);
      chatPanel.enable();
      return;
    case 'text':
      chatPanel.appendText(event.text, event.tokensPerSecond);
      return;
    case 'finish':
      chatPanel.finish(event.reason, event.completionTokens, event.tokensPerSecond);
      return;
    case 'cache':
      loadPanel.showCache(event.usedBytes, event.files, event.quotaBytes);
      return;
    case 'error':
      showError(event);
      return;
  }
});

engine.send({ type: 'probe' });
engine.send({ type: 'cache-usage' });
