import { FINDING_SORTS, type FindingFilter, type FindingSort } from '../findings/queries.ts';
import { ACTIVE_STATUSES, REVIEW_STATUSES, type ReviewStatus } from '../findings/types.ts';

/**
 * What the findings list shows, read from its URL and written back into every link and form, so
 * a page, a bookmark and the finding pages opened from it all mean the same list.
 */
export interface ListQuery {
  search: string;
  site: string;
  rule: string;
  /** `active`: open or contacted. */
  status: ReviewStatus | 'active' | 'all';
  verdict: keyof typeof VERDICT_LABELS;
  newSince: number | undefined;
  sort: FindingSort;
  direction: 'asc' | 'desc';
  page: number;
  per: number;
  /** Whether every field has its default (the filter form then stays folded). */
  isDefault: boolean;
}

export const VERDICT_LABELS = {
  any: 'any',
  violation: 'violation',
  uncertain: 'needs review',
  compliant: 'compliant now',
} as const;

export const SORT_LABELS: Record<FindingSort, string> = {
  'last-seen': 'last seen',
  'first-seen': 'first seen',
  site: 'site',
  title: 'page title',
  id: 'id',
};

const PER_PAGE = [25, 50, 100, 200];
const DEFAULT_PER = 50;
const MAX_TEXT = 200;

export function parseListQuery(params: URLSearchParams): ListQuery {
  const text = (name: string) => (params.get(name) ?? '').trim().slice(0, MAX_TEXT);
  const status = params.get('status') ?? 'active';
  const verdict = params.get('verdict') ?? 'any';
  const sort = params.get('sort') ?? 'last-seen';
  const since = /^\d{1,12}$/.test(params.get('since') ?? '') ? Number(params.get('since')) : undefined;
  const per = Number(params.get('per'));
  const page = /^\d{1,9}$/.test(params.get('page') ?? '') ? Math.max(1, Number(params.get('page'))) : 1;
  const query: ListQuery = {
    search: text('q'),
    site: text('site'),
    rule: text('rule'),
    status:
      status === 'all' || (REVIEW_STATUSES as readonly string[]).includes(status)
        ? (status as ListQuery['status'])
        : 'active',
    verdict: verdict in VERDICT_LABELS ? (verdict as ListQuery['verdict']) : 'any',
    newSince: since,
    sort: (FINDING_SORTS as readonly string[]).includes(sort) ? (sort as FindingSort) : 'last-seen',
    direction: params.get('dir') === 'asc' ? 'asc' : 'desc',
    page,
    per: PER_PAGE.includes(per) ? per : DEFAULT_PER,
    isDefault: false,
  };
  query.isDefault = listQueryString(query) === '';
  return query;
}

/** `?…` with the fields that differ from their defaults (and any `extra`), or '' when none do. */
export function listQueryString(query: ListQuery, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  if (query.search) params.set('q', query.search);
  if (query.site) params.set('site', query.site);
  if (query.rule) params.set('rule', query.rule);
  if (query.status !== 'active') params.set('status', query.status);
  if (query.verdict !== 'any') params.set('verdict', query.verdict);
  if (query.newSince !== undefined) params.set('since', String(query.newSince));
  if (query.sort !== 'last-seen') params.set('sort', query.sort);
  if (query.direction !== 'desc') params.set('dir', query.direction);
  if (query.per !== DEFAULT_PER) params.set('per', String(query.per));
  if (query.page !== 1) params.set('page', String(query.page));
  for (const [name, value] of Object.entries(extra)) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The store query of a list (without paging). */
export function filterOf(query: ListQuery): FindingFilter {
  const filter: FindingFilter = { sort: query.sort, direction: query.direction };
  if (query.search) filter.search = query.search;
  if (query.site) filter.site = query.site;
  if (query.rule) filter.rule = query.rule;
  if (query.status === 'active') filter.status = ACTIVE_STATUSES;
  else if (query.status !== 'all') filter.status = query.status;
  if (query.verdict !== 'any') filter.verdict = query.verdict;
  if (query.newSince !== undefined) filter.newSince = query.newSince;
  return filter;
}
