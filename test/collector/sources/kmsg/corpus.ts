/**
 * Reads test/fixtures/kmsg/corpus.txt: kernel log records, each followed by the event fsevd must
 * make of it ("=> TYPE field=value ...") or "=> none". Not a test itself.
 */
import { readFileSync } from 'node:fs';

/** One corpus case. */
export interface CorpusCase {
  /** Line number of the record in corpus.txt. */
  line: number;
  record: string;
  /** Expected event type, or undefined for "none". */
  type?: string;
  /** Expected fields: mount reference keys and data keys, as written. */
  fields: Record<string, string>;
}

/** Keys of an expectation that belong to the mount reference rather than the data. */
export const MOUNT_KEYS = new Set(['device', 'server', 'fsname', 'fstype']);

/** Every case of the corpus, in file order. */
export function loadCorpus(): CorpusCase[] {
  const lines = readFileSync(new URL('../../../fixtures/kmsg/corpus.txt', import.meta.url), 'utf8').split('\n');
  const cases: CorpusCase[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (!text.startsWith('=> ')) continue;
    const record = lines[i - 1]!;
    const [type, ...pairs] = splitExpectation(text.slice(3));
    const fields = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    cases.push({ line: i, record, fields, ...(type === 'none' ? {} : { type }) });
  }
  return cases;
}

/** "FS_ERROR a=1 b=two words c=3" → ["FS_ERROR", "a=1", "b=two words", "c=3"] (values may hold spaces). */
function splitExpectation(text: string): string[] {
  const parts = text.split(/ (?=[A-Za-z]+=)/);
  const [head, ...rest] = parts;
  return [...head!.split(' '), ...rest];
}
