import { join } from 'node:path';
import { exportEvidence } from '../evidence/index.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import { integerOption } from './options.ts';

/** `syndicate evidence FINDING… --out DIR`: export findings' evidence, checked, with a summary page. */
export const evidenceCommand = defineCommand({
  name: 'evidence',
  declare(program) {
    return program
      .command('evidence')
      .description(
        "export findings' evidence (WARC, screenshot, manifest of SHA-256), each file checked, with an HTML summary",
      )
      .argument('<findings...>', 'finding ids', (value, previous: number[] = []) => [
        ...previous,
        integerOption(1)(value),
      ])
      .requiredOption('--out <dir>', 'the folder to write to');
  },
  action(context) {
    return async (findings: number[], options: { out: string }) => {
      const sql = await openSql(context.globals().store, { mustExist: true });
      try {
        const exported = await exportEvidence(sql, findings, options.out);
        for (const { finding, captures } of exported) {
          const files = captures.reduce((sum, capture) => sum + capture.files.length, 0);
          context.io.stdout(
            `finding ${finding.id}: ${captures.length} capture(s), ${files} file(s) checked and written\n`,
          );
        }
        context.io.stdout(`summary: ${join(options.out, 'index.html')}\n`);
        return EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});
