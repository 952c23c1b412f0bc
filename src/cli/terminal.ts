import type { Io, Progress } from './context.ts';

/**
 * The bottom line of a terminal, kept for a progress line. A log line written while progress is
 * shown first clears it, then the progress is drawn again below, so neither tears the other. When
 * stderr is not a terminal there is no progress line at all: log collectors get log lines only.
 */
export class StatusLine {
  private shown = '';
  private readonly io: Io;

  constructor(io: Io) {
    this.io = io;
  }

  /** Write a finished line (a log line) above the progress line. */
  log(text: string): void {
    if (!this.shown) {
      this.io.stderr(text);
      return;
    }
    this.io.stderr(`\r\x1b[K${text}${this.shown}\x1b[K`);
  }

  progress(label: string): Progress {
    if (!this.io.interactive) return { update: () => {}, end: () => {} };
    let last = 0;
    return {
      update: (text, force = false) => {
        const now = Date.now();
        if (!force && now - last < 100) return;
        last = now;
        this.shown = label ? `${label} ${text}` : text;
        this.io.stderr(`\r${this.shown}\x1b[K`);
      },
      end: () => {
        if (this.shown) this.io.stderr('\r\x1b[K');
        this.shown = '';
      },
    };
  }
}
