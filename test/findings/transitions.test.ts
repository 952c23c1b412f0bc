import { describe, expect, it } from 'vitest';
import {
  type FindingEvent,
  type FindingState,
  nextState,
  type Transition,
} from '../../src/findings/lifecycle.ts';
import { REVIEW_STATUSES, type ResolvedWhy, type ReviewStatus } from '../../src/findings/types.ts';

/**
 * Every state a finding can be in × every event, and where it goes. The stored reprint's hash is
 * `h1`; `violation h2` is the same violation on a reprint that changed since.
 *
 * Columns: state | event | status after (`/why` when resolved, `-` when there is still no finding)
 * | write | observation (`-` none; `?` marks an uncertain reprint) | audit reason (`-` no status change).
 */
const TABLE = `
none               | violation h1       | open               | insert   | new        | first-seen
none               | violation h2       | open               | insert   | new        | first-seen
none               | compliant          | -                  | none     | -          | -
none               | uncertain          | open               | insert   | new?       | needs-review
none               | not-reprinted      | -                  | none     | -          | -
none               | gone               | -                  | none     | -          | -
none               | failed             | -                  | none     | -          | -

open               | violation h1       | open               | update   | seen       | -
open               | violation h2       | open               | update   | seen       | -
open               | compliant          | resolved/compliant | update   | resolved   | compliant
open               | uncertain          | open               | update   | seen?      | -
open               | not-reprinted      | resolved/gone      | none     | resolved   | not-reprinted
open               | gone               | resolved/gone      | none     | resolved   | gone
open               | failed             | open               | none     | -          | -
open               | reviewed open      | open               | none     | -          | reviewed
open               | reviewed contacted | contacted          | none     | -          | reviewed
open               | reviewed resolved  | resolved/manual    | none     | -          | reviewed
open               | reviewed dismissed | dismissed          | none     | -          | reviewed
open               | reviewed licensed  | licensed           | none     | -          | reviewed

contacted          | violation h1       | contacted          | update   | seen       | -
contacted          | violation h2       | contacted          | update   | seen       | -
contacted          | compliant          | resolved/compliant | update   | resolved   | compliant
contacted          | uncertain          | contacted          | update   | seen?      | -
contacted          | not-reprinted      | resolved/gone      | none     | resolved   | not-reprinted
contacted          | gone               | resolved/gone      | none     | resolved   | gone
contacted          | failed             | contacted          | none     | -          | -
contacted          | reviewed open      | open               | none     | -          | reviewed
contacted          | reviewed contacted | contacted          | none     | -          | reviewed
contacted          | reviewed resolved  | resolved/manual    | none     | -          | reviewed
contacted          | reviewed dismissed | dismissed          | none     | -          | reviewed
contacted          | reviewed licensed  | licensed           | none     | -          | reviewed

resolved/compliant | violation h1       | open               | update   | reopened   | violation-back
resolved/compliant | violation h2       | open               | update   | reopened   | violation-back
resolved/compliant | compliant          | resolved/compliant | remember | quiet      | -
resolved/compliant | uncertain          | resolved/compliant | see      | quiet?     | -
resolved/compliant | not-reprinted      | resolved/compliant | none     | -          | -
resolved/compliant | gone               | resolved/compliant | none     | -          | -
resolved/compliant | failed             | resolved/compliant | none     | -          | -
resolved/compliant | reviewed open      | open               | none     | -          | reviewed
resolved/compliant | reviewed contacted | contacted          | none     | -          | reviewed
resolved/compliant | reviewed resolved  | resolved/compliant | none     | -          | reviewed
resolved/compliant | reviewed dismissed | dismissed          | none     | -          | reviewed
resolved/compliant | reviewed licensed  | licensed           | none     | -          | reviewed

resolved/gone      | violation h1       | open               | update   | reopened   | violation-back
resolved/gone      | violation h2       | open               | update   | reopened   | violation-back
resolved/gone      | compliant          | resolved/gone      | remember | quiet      | -
resolved/gone      | uncertain          | resolved/gone      | see      | quiet?     | -
resolved/gone      | not-reprinted      | resolved/gone      | none     | -          | -
resolved/gone      | gone               | resolved/gone      | none     | -          | -
resolved/gone      | failed             | resolved/gone      | none     | -          | -
resolved/gone      | reviewed open      | open               | none     | -          | reviewed
resolved/gone      | reviewed contacted | contacted          | none     | -          | reviewed
resolved/gone      | reviewed resolved  | resolved/gone      | none     | -          | reviewed
resolved/gone      | reviewed dismissed | dismissed          | none     | -          | reviewed
resolved/gone      | reviewed licensed  | licensed           | none     | -          | reviewed

resolved/manual    | violation h1       | resolved/manual    | update   | quiet      | -
resolved/manual    | violation h2       | open               | update   | reopened   | reprint-changed
resolved/manual    | compliant          | resolved/manual    | remember | quiet      | -
resolved/manual    | uncertain          | resolved/manual    | see      | quiet?     | -
resolved/manual    | not-reprinted      | resolved/manual    | none     | -          | -
resolved/manual    | gone               | resolved/manual    | none     | -          | -
resolved/manual    | failed             | resolved/manual    | none     | -          | -
resolved/manual    | reviewed open      | open               | none     | -          | reviewed
resolved/manual    | reviewed contacted | contacted          | none     | -          | reviewed
resolved/manual    | reviewed resolved  | resolved/manual    | none     | -          | reviewed
resolved/manual    | reviewed dismissed | dismissed          | none     | -          | reviewed
resolved/manual    | reviewed licensed  | licensed           | none     | -          | reviewed

dismissed          | violation h1       | dismissed          | update   | quiet      | -
dismissed          | violation h2       | open               | update   | reopened   | reprint-changed
dismissed          | compliant          | dismissed          | remember | quiet      | -
dismissed          | uncertain          | dismissed          | see      | quiet?     | -
dismissed          | not-reprinted      | dismissed          | none     | -          | -
dismissed          | gone               | dismissed          | none     | -          | -
dismissed          | failed             | dismissed          | none     | -          | -
dismissed          | reviewed open      | open               | none     | -          | reviewed
dismissed          | reviewed contacted | contacted          | none     | -          | reviewed
dismissed          | reviewed resolved  | resolved/manual    | none     | -          | reviewed
dismissed          | reviewed dismissed | dismissed          | none     | -          | reviewed
dismissed          | reviewed licensed  | licensed           | none     | -          | reviewed

licensed           | violation h1       | licensed           | update   | quiet      | -
licensed           | violation h2       | open               | update   | reopened   | reprint-changed
licensed           | compliant          | licensed           | remember | quiet      | -
licensed           | uncertain          | licensed           | see      | quiet?     | -
licensed           | not-reprinted      | licensed           | none     | -          | -
licensed           | gone               | licensed           | none     | -          | -
licensed           | failed             | licensed           | none     | -          | -
licensed           | reviewed open      | open               | none     | -          | reviewed
licensed           | reviewed contacted | contacted          | none     | -          | reviewed
licensed           | reviewed resolved  | resolved/manual    | none     | -          | reviewed
licensed           | reviewed dismissed | dismissed          | none     | -          | reviewed
licensed           | reviewed licensed  | licensed           | none     | -          | reviewed
`;

const STATES = [
  'none',
  'open',
  'contacted',
  'resolved/compliant',
  'resolved/gone',
  'resolved/manual',
  'dismissed',
  'licensed',
];
const EVENTS = [
  'violation h1',
  'violation h2',
  'compliant',
  'uncertain',
  'not-reprinted',
  'gone',
  'failed',
  ...REVIEW_STATUSES.map((status) => `reviewed ${status}`),
];

function stateOf(text: string): FindingState | undefined {
  if (text === 'none') return undefined;
  const [status, why] = text.split('/') as [ReviewStatus, ResolvedWhy | undefined];
  return { status, resolvedWhy: why ?? null, hash: 'h1' };
}

function eventOf(text: string): FindingEvent {
  const [kind, detail] = text.split(' ');
  if (kind === 'violation') return { kind: 'checked', verdict: 'violation', hash: detail! };
  if (kind === 'compliant' || kind === 'uncertain') return { kind: 'checked', verdict: kind, hash: 'h1' };
  if (kind === 'reviewed') return { kind: 'reviewed', status: detail as ReviewStatus };
  return { kind: kind as 'not-reprinted' | 'gone' | 'failed' };
}

/** The transition as the table writes it. */
function written(transition: Transition): string[] {
  const status =
    transition.status === undefined
      ? '-'
      : transition.status === 'resolved'
        ? `resolved/${transition.resolvedWhy}`
        : transition.status;
  const change =
    transition.change === undefined ? '-' : `${transition.change}${transition.uncertain ? '?' : ''}`;
  return [status, transition.write, change, transition.reason ?? '-'];
}

const rows = TABLE.trim()
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => line.split('|').map((cell) => cell.trim()));

describe('the finding lifecycle', () => {
  it('has a row for every state and every event, once', () => {
    const keys = rows.map(([state, event]) => `${state} × ${event}`);
    const expected = STATES.flatMap((state) =>
      EVENTS.filter((event) => state !== 'none' || !event.startsWith('reviewed')).map(
        (event) => `${state} × ${event}`,
      ),
    );
    expect([...keys].sort()).toEqual([...expected].sort());
  });

  it.each(rows)('%s, then %s: %s', (state, event, ...expected) => {
    expect(written(nextState(stateOf(state!), eventOf(event!)))).toEqual(expected);
  });

  it('lets nobody review a finding that does not exist', () => {
    expect(() => nextState(undefined, { kind: 'reviewed', status: 'open' })).toThrow(/exists/);
  });

  it('keeps a status with no resolution unless it is resolved', () => {
    for (const [state, event] of rows) {
      const after = nextState(stateOf(state!), eventOf(event!));
      expect(after.resolvedWhy === null).toBe(after.status !== 'resolved');
    }
  });
});
