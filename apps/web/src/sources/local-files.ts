import { filesFromList, type ModelFiles } from '@minichat/exl2-format';

/**
 * Wraps the files of a folder opened with `showDirectoryPicker()` as model files. Only `File` handles
 * are taken, and the reader slices them on demand, so nothing is copied into memory up front.
 * Sub-folders are skipped because the model reader looks up plain file names.
 */
export async function directoryFiles(handle: FileSystemDirectoryHandle): Promise<ModelFiles> {
  const files: File[] = [];
  const entries = (handle as unknown as { values(): AsyncIterable<FileSystemHandle> }).values();
  for await (const entry of entries) {
    if (entry.kind === 'file') files.push(await (entry as FileSystemFileHandle).getFile());
  }
  return filesFromList(files);
}
