import { run } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in this process, capturing what it prints. */
export async function runCli(argv: string[], options: { signal?: AbortSignal } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    interactive: false,
    stopSignal: options.signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}
