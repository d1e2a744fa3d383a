/** Finding binaries, for the "missing peer" messages. */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function findExecutable(name: string, extraDirs: string[] = []): string | null {
  const dirs = isAbsolute(name) ? [''] : [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    const file = dir === '' ? name : join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return null;
}
