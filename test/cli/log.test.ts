import { afterEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.ts';
import { run } from '../../src/cli/main.ts';
import { StatusLine } from '../../src/cli/terminal.ts';
import { formatLine, logger, setLogLevel } from '../../src/log.ts';
import { tempDir } from '../helpers/tmp.ts';
import { seededStore } from '../report/_store.ts';

afterEach(() => setLogLevel('silent'));

function terminal(env: Record<string, string> = {}): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    interactive: true,
    stopSignal: new AbortController().signal,
    env,
  };
  return io;
}

describe('log lines', () => {
  it('are readable lines on a terminal, with what came from other sites escaped', () => {
    const line = formatLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 0, 1, 3, 4, 5),
        msg: 'crawl item failed',
        url: 'http://x.example/\u001b[2J',
        reason: 'timeout',
      }),
    );
    expect(line).toBe('03:04:05 WARN  crawl item failed  url=http://x.example/\\u{1b}[2J reason=timeout\n');
    const error = formatLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'scan failed',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    );
    expect(error).toBe('00:00:00 ERROR scan failed  error=boom\n');
    expect(error).not.toContain('at x');
  });

  it('are text on a terminal and JSON with --log-format json', async () => {
    const file = (await seededStore(tempDir())).file;
    const text = terminal({ SYNDICATE_LOG_LEVEL: 'debug' });
    expect(
      await run(['--store', file, 'findings', 'set', '9999', '--status', 'open', '--who', 'x'], text),
    ).toBe(2);
    expect(text.err).toMatch(/^syndicate: no finding 9999$/m);
    expect(text.err).toMatch(/^\d\d:\d\d:\d\d DEBUG the command failed {2}error="no finding 9999"$/m);
    expect(text.err).not.toContain('{"level"');

    const json = terminal({ SYNDICATE_LOG_LEVEL: 'debug' });
    expect(
      await run(
        [
          '--store',
          file,
          '--log-format',
          'json',
          'findings',
          'set',
          '9999',
          '--status',
          'open',
          '--who',
          'x',
        ],
        json,
      ),
    ).toBe(2);
    const entries = json.err
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(entries.map((entry) => entry.msg)).toContain('the command failed');
  });
});

describe('the status line', () => {
  it('keeps progress below log lines instead of tearing them', () => {
    const io = terminal();
    const status = new StatusLine(io);
    const progress = status.progress('scan');
    progress.update('1/3', true);
    status.log('12:00:00 WARN  a page failed\n');
    progress.update('2/3', true);
    progress.end();
    expect(io.err).toBe(
      '\rscan 1/3\u001b[K' +
        '\r\u001b[K12:00:00 WARN  a page failed\nscan 1/3\u001b[K' +
        '\rscan 2/3\u001b[K' +
        '\r\u001b[K',
    );
  });

  it('draws nothing when stderr is not a terminal', () => {
    const io = { ...terminal(), interactive: false };
    const progress = new StatusLine(io).progress('build');
    progress.update('1/2', true);
    progress.end();
    expect(io.err).toBe('');
    expect(logger()).toBeDefined();
  });
});
