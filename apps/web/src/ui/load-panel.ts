import type { EngineClient } from '../engine-client.js';
import type { DeviceReport, FitReport, ModelSourceRequest } from '../worker/protocol.js';
import { byId, formatBytes } from './elements.js';

/** Display names of the backends. */
const BACKEND_NAMES: Record<DeviceReport['backend'], string> = {
  webgpu: 'WebGPU',
  gpujs: 'gpu.js on WebGL',
  cpu: 'CPU reference (slow)',
};

type DirectoryPicker = () => Promise<FileSystemDirectoryHandle>;

/** Wires the device facts, the model source form, load progress and the cache controls. */
export class LoadPanel {
  private readonly loadButton = byId('load', HTMLButtonElement);
  private readonly cancelButton = byId('cancel-load', HTMLButtonElement);
  private readonly status = byId('load-status', HTMLLabelElement);
  private readonly progress = byId('load-progress', HTMLProgressElement);
  private readonly fit = byId('fit', HTMLParagraphElement);
  private readonly picked = byId('picked', HTMLParagraphElement);
  private pickedDirectory: FileSystemDirectoryHandle | undefined;
  private pickedFiles: File[] = [];

  constructor(private readonly engine: EngineClient) {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="source-kind"]')) {
      radio.addEventListener('change', () => this.showSourceFields());
    }
    this.showSourceFields();

    const pickDirectory = byId('pick-directory', HTMLButtonElement);
    const picker = (window as Window & { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
    if (picker === undefined) {
      pickDirectory.hidden = true;
    } else {
      pickDirectory.addEventListener('click', async () => {
        try {
          this.pickedDirectory = await picker.call(window);
          this.pickedFiles = [];
          this.picked.textContent = `Folder: ${this.pickedDirectory.name}`;
        } catch (error) {
          if ((error as { name?: string }).name !== 'AbortError') this.picked.textContent = String(error);
        }
      });
    }
    const fileInput = byId('pick-files', HTMLInputElement);
    fileInput.addEventListener('change', () => {
      // A directory input names files `folder/file`; files deeper down would shadow top-level names.
      this.pickedFiles = Array.from(fileInput.files ?? []).filter(
        (file) => file.webkitRelativePath.split('/').length <= 2,
      );
      this.pickedDirectory = undefined;
      this.picked.textContent = `${this.pickedFiles.length} files selected`;
    });

    this.loadButton.addEventListener('click', () => this.load());
    this.cancelButton.addEventListener('click', () => engine.send({ type: 'cancel-load' }));
    byId('clear-cache', HTMLButtonElement).addEventListener('click', () =>
      engine.send({ type: 'cache-clear' }),
    );
  }

  private sourceKind(): string {
    return document.querySelector<HTMLInputElement>('input[name="source-kind"]:checked')?.value ?? 'hub';
  }

  private showSourceFields(): void {
    const kind = this.sourceKind();
    for (const name of ['hub', 'url', 'local']) byId(`source-${name}`, HTMLDivElement).hidden = name !== kind;
  }

  /** Builds the source request from the form, or returns a message saying what is missing. */
  private sourceRequest(): ModelSourceRequest | string {
    const kind = this.sourceKind();
    if (kind === 'hub') {
      const repo = byId('hub-repo', HTMLInputElement).value.trim();
      if (repo === '') return 'Enter a repo id such as owner/name.';
      return {
        kind: 'hub',
        endpoint: byId('hub-endpoint', HTMLInputElement).value.trim(),
        repo,
        revision: byId('hub-revision', HTMLInputElement).value.trim() || 'main',
      };
    }
    if (kind === 'url') {
      const baseUrl = byId('model-url', HTMLInputElement).value.trim();
      return baseUrl === ''
        ? 'Enter the URL of the folder that contains config.json.'
        : { kind: 'url', baseUrl };
    }
    if (this.pickedDirectory !== undefined) return { kind: 'directory', handle: this.pickedDirectory };
    if (this.pickedFiles.length > 0) return { kind: 'files', files: this.pickedFiles };
    return 'Choose the model folder first.';
  }

  private backendChoice(): 'auto' | 'webgpu' | 'gpujs' | 'cpu' {
    const value = byId('backend-choice', HTMLSelectElement).value;
    return value === 'webgpu' || value === 'gpujs' || value === 'cpu' ? value : 'auto';
  }

  private load(): void {
    const source = this.sourceRequest();
    if (typeof source === 'string') {
      this.status.textContent = source;
      return;
    }
    const contextText = byId('context-length', HTMLInputElement).value.trim();
    this.setLoading(true);
    this.fit.hidden = true;
    this.status.textContent = 'Opening the model…';
    this.progress.value = 0;
    this.engine.send({
      type: 'load',
      source,
      contextLength: contextText === '' ? undefined : Number(contextText),
      backend: this.backendChoice(),
    });
  }

  private setLoading(loading: boolean): void {
    this.loadButton.disabled = loading;
    this.cancelButton.disabled = !loading;
  }

  /** Shows the probe result. */
  showDevice(report: DeviceReport): void {
    const facts = byId('device-facts', HTMLElement);
    const rows: [string, string][] = [['Backend', BACKEND_NAMES[report.backend]]];
    if (report.fallbackReason !== undefined) rows.push(['Why not WebGPU', report.fallbackReason]);
    rows.push(['gpu.js modes', report.gpuJsModes.length > 0 ? report.gpuJsModes.join(', ') : 'none']);
    if (report.adapter !== undefined) rows.push(['Adapter', report.adapter]);
    if (report.backend === 'webgpu') {
      rows.push(['shader-f16', report.shaderF16 ? 'yes' : 'no (f32 arithmetic)']);
      rows.push(['Largest buffer', formatBytes(report.maxBufferSize ?? 0)]);
      rows.push(['Largest storage binding', formatBytes(report.maxStorageBufferBindingSize ?? 0)]);
    }
    facts.replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.textContent = value;
        if (term === 'Backend') dd.id = 'device-backend';
        return [dt, dd];
      }),
    );
  }

  /** Shows the memory estimate and, when the model does not fit, why. */
  showFit(report: FitReport): void {
    this.fit.hidden = false;
    this.fit.classList.toggle('problem', !report.fits);
    const verdict = report.fits
      ? `Fits: needs about ${formatBytes(report.totalBytes)}.`
      : `Does not fit: needs about ${formatBytes(report.totalBytes)}.`;
    this.fit.textContent = [`${report.summary}.`, verdict, ...report.problems].join(' ');
    if (!report.fits) {
      this.status.textContent = 'The model does not fit this device; see the device section.';
      this.setLoading(false);
    }
  }

  /** Shows download or upload progress. */
  showProgress(label: string, loadedBytes: number, totalBytes: number): void {
    this.progress.value = totalBytes > 0 ? loadedBytes / totalBytes : 0;
    this.status.textContent = `${label}: ${formatBytes(loadedBytes)} of ${formatBytes(totalBytes)}`;
  }

  /** Marks the load as finished. */
  showLoaded(text: string): void {
    this.progress.value = 1;
    this.status.textContent = text;
    this.setLoading(false);
  }

  /** Marks the load as failed. */
  showLoadFailed(message: string): void {
    this.status.textContent = `Load failed: ${message}`;
    this.setLoading(false);
  }

  /** Shows the cache usage. */
  showCache(usedBytes: number, files: number, quotaBytes: number | undefined): void {
    const quota = quotaBytes === undefined ? '' : ` (quota ${formatBytes(quotaBytes)})`;
    byId('cache-usage', HTMLSpanElement).textContent =
      `Cache: ${formatBytes(usedBytes)} in ${files} files${quota}`;
  }
}
