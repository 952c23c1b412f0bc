import { afterAll, beforeAll } from 'vitest';

/**
 * The scans of this test file capture evidence without screenshots (the WARC and the manifest),
 * in the processes it starts and in the CLI run in its own. Screenshots are the subject of the
 * evidence and browser tests (and the demo's); in a test of scans, the queue or findings, Chromium
 * photographing every new violation, one at a time, was most of the time where it is installed.
 */
export function withoutScreenshots(): void {
  const before = process.env.SYNDICATE_CHROMIUM;
  beforeAll(() => {
    process.env.SYNDICATE_CHROMIUM = '/nonexistent/chromium';
  });
  afterAll(() => {
    if (before === undefined) delete process.env.SYNDICATE_CHROMIUM;
    else process.env.SYNDICATE_CHROMIUM = before;
  });
}
