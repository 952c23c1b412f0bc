import { inputError } from '../errors.ts';
import { type ParsedRecord, validateRecord } from './record.ts';

/** A `.jsonl` file: one article object a line; blank lines are skipped. */
export function readJsonl(text: string, file: string): ParsedRecord[] {
  const records: ParsedRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const source = raw.trim();
    if (source === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw inputError(`invalid JSON: ${(error as Error).message}`, { file, line }, error);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw inputError('each line must be one JSON object (an article)', { file, line });
    }
    records.push({ article: validateRecord(value, { file, line }), line });
  }
  return records;
}
