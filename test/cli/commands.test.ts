import { describe, expect, it } from 'vitest';
import { commandsFor } from '../../src/cli/commands.ts';

/** A run loads the command it names, and only that one; without one it knows, every command. */
describe('commandsFor', () => {
  const names = async (argv: string[]) => (await commandsFor(argv)).map((command) => command.name);

  it('loads only the command the run names, past global options and their values', async () => {
    expect(await names(['findings', '--status', 'open'])).toEqual(['findings']);
    // A folder called like a command is the option's value, not the command.
    expect(await names(['--rules', 'scan', '--store', 'build', 'report', '--format', 'json'])).toEqual([
      'report',
    ]);
    expect(await names(['--log-format', 'json', 'migrate-store'])).toEqual(['migrate-store']);
  });

  it('loads every command for help and for a name it does not know, and none for the version', async () => {
    const all = await names(['--help']);
    expect(all).toHaveLength(14);
    expect(all.slice(0, 3)).toEqual(['import', 'build', 'check']);
    expect(await names(['help', 'scan'])).toEqual(all);
    expect(await names(['scna'])).toEqual(all);
    expect(await names(['--version'])).toEqual([]);
    // Each command is found under the name its own definition declares.
    for (const name of all) expect(await names([name])).toEqual([name]);
  });
});
