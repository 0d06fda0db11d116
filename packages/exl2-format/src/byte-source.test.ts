import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSource, bytesSource } from './byte-source.js';
import { ByteSourceError } from './errors.js';
import { urlFiles } from './model-files.js';
import { fileSource } from './node/file-source.js';
import { startTestServer, type TestServer } from './test-utils/http-server.js';
import { urlSource } from './url-source.js';

const content = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);

describe('byte sources', () => {
  let server: TestServer;
  let plainServer: TestServer;
  let directory: string;

  beforeAll(async () => {
    server = await startTestServer({ 'data.bin': content, 'config.json': new TextEncoder().encode('{}') });
    plainServer = await startTestServer({ 'data.bin': content }, { ranges: false });
    directory = await mkdtemp(join(tmpdir(), 'exl2-source-'));
    await writeFile(join(directory, 'data.bin'), content);
  });
  afterAll(async () => {
    await server.close();
    await plainServer.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('reads the same ranges from every source', async () => {
    const file = await fileSource(join(directory, 'data.bin'));
    const sources = [
      bytesSource(content),
      blobSource(new Blob([content])),
      file,
      await urlSource(`${server.url}data.bin`),
    ];
    for (const source of sources) {
      expect(source.size).toBe(1000);
      expect([...(await source.read(10, 5))]).toEqual([70, 77, 84, 91, 98]);
      expect((await source.read(0, 1000)).byteLength).toBe(1000);
      expect((await source.read(1000, 0)).byteLength).toBe(0);
      await expect(source.read(996, 5)).rejects.toThrow(
        /Cannot read 5 bytes at offset 996 .* outside the source/,
      );
      await expect(source.read(-1, 1)).rejects.toBeInstanceOf(ByteSourceError);
    }
    await file.close();
  });

  it('names a File by its file name', () => {
    expect(blobSource(new File([content], 'output.safetensors')).name).toBe('output.safetensors');
  });

  it('honors an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(bytesSource(content).read(0, 1, controller.signal)).rejects.toThrow(/abort/i);
  });

  it('rejects a server that ignores Range', async () => {
    await expect(urlSource(`${plainServer.url}data.bin`)).rejects.toThrow(
      /returned HTTP 200; expected 206 Partial Content/,
    );
  });

  it('rejects a range response longer than requested', async () => {
    const sloppy = await startTestServer({ 'data.bin': content }, { extraBytes: 10 });
    try {
      const source = await urlSource(`${sloppy.url}data.bin`);
      await expect(source.read(0, 5)).rejects.toThrow(/returned 15 bytes at offset 0; expected 5/);
    } finally {
      await sloppy.close();
    }
  });

  it('reports a missing URL with its status', async () => {
    await expect(urlSource(`${server.url}missing.bin`)).rejects.toMatchObject({ actual: 'HTTP 404' });
  });

  it('probes default file names under a base URL', async () => {
    const files = await urlFiles(server.url);
    expect(files.list()).toEqual(['config.json']);
    const source = await files.open('config.json');
    expect(new TextDecoder().decode(await source.read(0, 2))).toBe('{}');
  });

  it('reports a missing file path', async () => {
    await expect(fileSource(join(directory, 'nope.bin'))).rejects.toThrow(/Cannot open .*nope.bin/);
  });
});
