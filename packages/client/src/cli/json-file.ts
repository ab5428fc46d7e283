import { readFile } from 'node:fs/promises';

/**
 * A JSON file the CLI keeps (the session, a directory's sync state): null when it does not exist, the
 * parsed value when `isValid` accepts it, and `invalid()` thrown otherwise — a damaged file is an error to
 * show, never silently "nothing saved".
 */
export async function readJsonFile<T>(file: string, isValid: (value: unknown) => value is T, invalid: () => Error): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (!isValid(value)) throw invalid();
  return value;
}
