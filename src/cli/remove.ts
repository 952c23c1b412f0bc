import { forgetArticles } from '../match/fingerprint-index.ts';
import { removeArticles } from '../store/articles.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';

/**
 * `syndicate remove ID|URL…`: take articles out of the store, with their fingerprints, all of them
 * or none (an unknown id or URL removes nothing). The next `build` takes them out of every feed and
 * in a feed that asks for tombstones, tells Atom readers that saw them that they are gone (RFC 6721).
 */
export const removeCommand = defineCommand({
  name: 'remove',
  declare(program) {
    return program
      .command('remove')
      .description('take articles out of the store and, at the next build, out of every feed; all or nothing')
      .argument('<articles...>', 'article ids, URLs or alias URLs');
  },
  action(context) {
    return async (references: string[]) => {
      const sql = await openSql(context.globals().store, { mustExist: true });
      try {
        // An article gone from the store loses its index entries in the same transaction.
        const removed = await removeArticles(sql, references, {
          alsoRemove: (ids) => forgetArticles(sql, ids),
        });
        for (const id of removed) context.io.stdout(`removed ${id}\n`);
        context.io.stdout(`removed ${removed.length} article(s); run build to update the feeds\n`);
      } finally {
        await sql.close();
      }
      return EXIT.ok;
    };
  },
});
