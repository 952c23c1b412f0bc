import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { SyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import { connectionLost, redactUrl } from '../store/postgres.ts';

/**
 * The job queue of a PostgreSQL store (issue 11), on pg-boss 10 in the store's own database (its
 * tables in the `pgboss` schema). The README says why pg-boss and not graphile-worker.
 *
 * Jobs are split by site: a scan puts one site job per site on the queue, a worker takes it and
 * crawls that site (its pages, sitemaps, robots.txt) under the cluster-wide host limits, and the
 * scan waits for all of them. A site, not a page, is the unit because the crawl of a site is
 * already resumable from the store (its frontier and snapshots), politeness lets a site go no
 * faster than one or `perHost` requests at a time however many workers there are, and a job per
 * page would cost a queue round trip per page and split one host's politeness among workers that
 * would only wait for each other. Many sites keep many workers busy.
 *
 * A site job's queue has the `singleton` policy keyed by site id: however many scans are queued,
 * one site is crawled by one worker at a time. Its lease is the site's time budget plus a margin:
 * pg-boss has no heartbeat, so a worker killed mid-site (SIGKILL, a lost machine) gives its job
 * back when the lease runs out, and the job is retried by another worker, which resumes the
 * site's crawl where the store says it stopped.
 */

export const QUEUES = {
  /** One site of a scan: `SiteJob`. */
  site: 'syndicate-site',
  /** A scheduled scan (`scan --schedule`): fired once per cron slot for the whole cluster. */
  scan: 'syndicate-scan',
  /** One archive file of a `discover` run: `DiscoverJob` (discover-jobs.ts). */
  discover: 'syndicate-discover',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface SiteJob {
  /** Which `scan` (or other caller) put the job there: its batch of jobs. */
  batch: string;
  siteId: string;
  /** The crawl's overrides from the command line (delay, perHost, …), as JSON. */
  options: Record<string, unknown>;
}

export interface QueueOptions {
  /** How long a worker may hold a site job before it is given to another: the site's time budget and a margin. */
  siteLeaseSeconds?: number;
  /**
   * An archive file's job (`discover`): how long after its worker's last renewal of the lease
   * (every third of it, while the file is read) it is given to another.
   */
  discoverLeaseSeconds?: number;
  /** Tries of a site job after the first (a killed worker's lease running out counts as one). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** How often the supervisor looks for jobs past their lease. */
  maintenanceIntervalSeconds?: number;
  /** How often an idle worker asks for a job. */
  pollingIntervalSeconds?: number;
  maxConnections?: number;
  /** Run the cron scheduler in this process (`scan --schedule`). */
  schedule?: boolean;
  /** How often the scheduler looks at the cron schedules (pg-boss: 1 to 45 s). */
  cronCheckSeconds?: number;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobStatus {
  id: string;
  state: JobState;
  /** What the handler returned (completed), or the error (failed). */
  output: unknown;
}

export interface QueueProgress {
  total: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
}

/** The handler of one job: its data, and a signal that says the worker is stopping. */
export type JobHandler<T> = (data: T, signal: AbortSignal) => Promise<unknown>;

/** A job given back because its worker is stopping: not a failure of the job's own. */
export class WorkerStopped extends Error {
  constructor() {
    super('the worker stopped before the job was done');
    this.name = 'WorkerStopped';
  }
}

const RECONNECT_FOR_MS = 60_000;

/** A job whose lease ran out before it was done: another worker takes it from where it stopped. */
export class LeaseRanOut extends Error {
  constructor() {
    super('the job outlasted its lease; it goes back on the queue');
    this.name = 'LeaseRanOut';
  }
}

/**
 * Queues whose jobs a stopping worker gives back without using up a try: a site's crawl and an
 * archive file's read resume where they stopped. A scheduled scan that was stopped is over (it
 * recorded what it did), and its slot is not run again.
 */
const RESUMABLE: ReadonlySet<QueueName> = new Set([QUEUES.site, QUEUES.discover]);

/** How long before its lease runs out a handler is told to stop. */
const LEASE_MARGIN_MS = 5_000;

const DEFAULT_SITE_LEASE_SECONDS = 45 * 60;

/**
 * Queues whose jobs have no time budget of their own: the worker renews a job's lease while its
 * handler runs (a heartbeat, three times a lease), so a job may take as long as it needs and
 * a worker that dies gives its job back one lease after its last renewal. A Common Crawl WARC file
 * is about 1 GiB, some 5 GB of payload: at a busy core's 3 MB/s, half an hour or more. A site job
 * needs none: its lease is the site's time budget, at which the crawl stops and stays resumable.
 */
const RENEWED: ReadonlySet<QueueName> = new Set([QUEUES.discover]);

/**
 * An archive file's lease, renewed while it is read: how long a file whose worker died waits
 * before another worker takes it up (at the file's last record boundary: a handover costs time,
 * never a record).
 */
const DEFAULT_DISCOVER_LEASE_SECONDS = 5 * 60;

/**
 * The lease a renewed job is queued with, the longest pg-boss allows: pg-boss's worker gives up on
 * a handler after the lease the job was fetched with, whatever the store says since, so that one
 * must outlast any file. The worker shortens it to the renewed lease as soon as it takes the job.
 */
export const RENEWED_JOB_SECONDS = 23 * 60 * 60;

/**
 * The time a handler may still work on its job: it says stop (`signal`) a margin before the lease
 * runs out in the store, and starts again from a renewal.
 */
class Lease {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly ms: number) {
    this.timer = this.start();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private start(): NodeJS.Timeout {
    return setTimeout(() => this.lost(), this.ms).unref();
  }

  renewed(): void {
    if (this.ended || this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = this.start();
  }

  lost(): void {
    if (this.ended) return;
    clearTimeout(this.timer);
    this.controller.abort(new LeaseRanOut());
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }
}

export class JobQueue {
  private readonly stopping = new AbortController();

  private constructor(
    readonly boss: PgBoss,
    private readonly options: QueueOptions,
    /** pg-boss's schema in the store's database (see `queueSchemaOf`). */
    readonly schema: string,
  ) {
    setMaxListeners(0, this.stopping.signal);
  }

  /** Start pg-boss on the store's database (making its schema and our queues when missing). */
  static async open(url: string, options: QueueOptions = {}): Promise<JobQueue> {
    const schema = queueSchemaOf(url);
    const boss = new PgBoss({
      connectionString: url,
      schema,
      max: options.maxConnections ?? 4,
      application_name: 'syndicate',
      schedule: options.schedule ?? false,
      ...(options.cronCheckSeconds
        ? {
            cronMonitorIntervalSeconds: options.cronCheckSeconds,
            cronWorkerIntervalSeconds: options.cronCheckSeconds,
          }
        : {}),
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
      ...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
    });
    // pg-boss reports its own background errors (a lost connection while polling) as events; an
    // EventEmitter without a listener would throw them out of the process.
    boss.on('error', (error: Error & { code?: string }) =>
      logger().warn({ error: error.message, code: error.code }, 'job queue error'),
    );
    try {
      await boss.start();
      for (const definition of queueDefinitions(options)) {
        await settingUp(() => boss.createQueue(definition.name, definition));
      }
    } catch (error) {
      await boss.stop({ graceful: false, wait: true }).catch(() => {});
      throw new SyndicateError(
        'store',
        `cannot open the job queue: ${(error as Error).message}`,
        { file: redactUrl(url) },
        { cause: error },
      );
    }
    return new JobQueue(boss, options, schema);
  }

  /**
   * Put one job per site on the queue; returns the jobs' ids in the order of `sites`. The lease
   * (how long a worker may hold a job before it goes to another) is the sender's to say, since it
   * follows the site's time budget; the queue's default otherwise.
   *
   * A site whose job is still on the queue (an earlier scan was stopped while it waited: its jobs
   * go on) gets no second job: its id is returned, and the caller waits for that crawl of the
   * site, which resumes the site's pass, as a scan on SQLite resumes an unfinished crawl. A second
   * job would cost a second crawl of the site, and worse: while the first is under way, the second
   * waits at the head of the queue (one crawl of a site at a time) and pg-boss gives no worker any
   * job queued after it.
   */
  async putSites(
    batch: string,
    siteIds: readonly string[],
    options: Record<string, unknown>,
    leaseSeconds?: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const siteId of siteIds) {
      const unfinished = await this.unfinishedJob(QUEUES.site, siteId);
      if (unfinished) {
        ids.push(unfinished);
        continue;
      }
      const job: SiteJob = { batch, siteId, options };
      const id = await this.boss.send(QUEUES.site, job, {
        singletonKey: siteId,
        ...(leaseSeconds ? { expireInSeconds: leaseSeconds } : {}),
      });
      if (!id) throw new SyndicateError('store', `the job queue refused the job of site ${siteId}`);
      ids.push(id);
    }
    return ids;
  }

  /** The job of `key` on queue `name` that is not done yet (waiting, to be retried or under way), if any. */
  async unfinishedJob(name: QueueName, key: string): Promise<string | undefined> {
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT id::text AS id FROM ${this.schema}.job WHERE name = $1 AND singleton_key = $2
         AND state IN ('created', 'retry', 'active') ORDER BY created_on LIMIT 1`,
      [name, key],
    );
    return (rows as Array<{ id: string }>)[0]?.id;
  }

  /** Where each job is (jobs done long ago are read from pg-boss's archive). */
  async statuses(name: QueueName, ids: readonly string[]): Promise<JobStatus[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT id::text AS id, state::text AS state, output FROM ${this.schema}.job WHERE name = $1 AND id = ANY($2::uuid[])
       UNION ALL
       SELECT id::text, state::text, output FROM ${this.schema}.archive WHERE name = $1 AND id = ANY($2::uuid[])`,
      [name, ids],
    );
    const byId = new Map((rows as JobStatus[]).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? { id, state: 'failed', output: { message: 'the job is gone' } });
  }

  /**
   * Wait until every job is completed or failed for good, telling `onProgress` how far they are;
   * returns their statuses. Stopping (the signal) stops the waiting, not the jobs.
   */
  async waitFor(
    name: QueueName,
    ids: readonly string[],
    options: { signal?: AbortSignal; onProgress?: (progress: QueueProgress) => void; pollMs?: number } = {},
  ): Promise<JobStatus[]> {
    let last = '';
    let lostSince: number | undefined;
    for (;;) {
      let statuses: JobStatus[];
      try {
        statuses = await this.statuses(name, ids);
        lostSince = undefined;
      } catch (error) {
        // The server restarting (or the network dropping) is waited out; the jobs go on in the
        // workers, which pg-boss reconnects. Anything else, or an outage past a minute, is an error.
        lostSince ??= Date.now();
        if (!connectionLost(error) || Date.now() - lostSince > RECONNECT_FOR_MS) throw error;
        logger().warn({ error: (error as Error).message }, 'job queue unreachable; trying again');
        await sleep(1000, undefined, { signal: options.signal }).catch(() => {});
        if (options.signal?.aborted) throw error;
        continue;
      }
      const progress = progressOf(statuses);
      const said = JSON.stringify(progress);
      if (said !== last) {
        last = said;
        options.onProgress?.(progress);
      }
      if (progress.completed + progress.failed === progress.total) return statuses;
      if (options.signal?.aborted) return statuses;
      await sleep(options.pollMs ?? 500, undefined, { signal: options.signal }).catch(() => {});
    }
  }

  /**
   * Take jobs of `name`, `concurrency` at a time, until `stop`. A handler that throws fails its
   * job (retried while tries are left); one that returns completes it with what it returned.
   */
  async work<T>(name: QueueName, concurrency: number, handler: JobHandler<T>): Promise<void> {
    for (let lane = 0; lane < concurrency; lane++) {
      await this.boss.work<T>(
        name,
        {
          batchSize: 1,
          ...(this.options.pollingIntervalSeconds
            ? { pollingIntervalSeconds: this.options.pollingIntervalSeconds }
            : {}),
        },
        async ([job]) => {
          const log = logger().child({ queue: name, job: job!.id });
          log.info('job started');
          // pg-boss gives the job to another worker when its lease runs out, without stopping
          // this handler: the handler stops itself a little before, so that two workers never
          // work one job (the crawl's pass lock would refuse the second anyway).
          const renewed = RENEWED.has(name);
          const leaseSeconds = renewed ? this.renewedLeaseSeconds() : job!.expireInSeconds;
          const leaseMs = leaseSeconds * 1000;
          // A renewed job's lease in the store is cut to the renewed one before any work.
          if (renewed && !(await this.renew(name, job!.id, leaseSeconds))) throw new LeaseRanOut();
          const workMs = Math.max(leaseMs - LEASE_MARGIN_MS, leaseMs / 2);
          const lease = new Lease(workMs);
          const signal = AbortSignal.any([this.stopping.signal, lease.signal]);
          const heartbeat = renewed
            ? setInterval(() => {
                this.renew(name, job!.id, leaseSeconds).then(
                  (held) => (held ? lease.renewed() : lease.lost()),
                  // The store unreachable: the lease runs out here before it does in the store.
                  (error: Error) => log.warn({ error: error.message }, 'could not renew the job’s lease'),
                );
              }, workMs / 3).unref()
            : undefined;
          try {
            const output = await handler(job!.data, signal);
            // A job given up because the worker is stopping or its lease ran out is not done: it
            // goes back on the queue, and the next try resumes it.
            if (this.stopping.signal.aborted) throw new WorkerStopped();
            if (lease.signal.aborted) throw new LeaseRanOut();
            log.info('job done');
            return output;
          } catch (error) {
            if (this.stopping.signal.aborted && RESUMABLE.has(name)) {
              await this.giveBack(name, job!.id);
              log.info('job given back');
              throw new WorkerStopped();
            }
            log.warn({ error: (error as Error).message }, 'job failed');
            throw error;
          } finally {
            clearInterval(heartbeat);
            lease.end();
          }
        },
      );
    }
  }

  private renewedLeaseSeconds(): number {
    return this.options.discoverLeaseSeconds ?? DEFAULT_DISCOVER_LEASE_SECONDS;
  }

  /**
   * Renew an active job's lease: it runs out `leaseSeconds` from now (pg-boss gives a job to
   * another worker once `started_on + expire_in` is past). False when the job is no longer this
   * worker's to renew (expired and handed over, or failed).
   */
  private async renew(name: QueueName, id: string, leaseSeconds: number): Promise<boolean> {
    const result = (await this.boss.getDb().executeSql(
      `UPDATE ${this.schema}.job SET expire_in = (now() - started_on) + $3 * interval '1 second'
        WHERE name = $1 AND id = $2 AND state = 'active'`,
      [name, id, leaseSeconds],
    )) as { rowCount?: number | null };
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * A job this worker gives back because it stops (SIGTERM, or a scan that worked other scans'
   * jobs while it waited for its own, ending): no fault of the job's, so not one of its tries.
   * pg-boss knows no giving back, only failing, which uses up a try (and a job on its last try
   * fails for good); so the job is given one more try first, while it is still active here and no
   * other worker can take it, and then failed as usual: it waits its retry delay and is taken up
   * with as many tries left as before. Should the store be unreachable, the give-back costs a try.
   */
  private async giveBack(name: QueueName, id: string): Promise<void> {
    try {
      await this.boss
        .getDb()
        .executeSql(
          `UPDATE ${this.schema}.job SET retry_limit = retry_limit + 1 WHERE name = $1 AND id = $2 AND state = 'active'`,
          [name, id],
        );
    } catch (error) {
      logger().warn(
        { job: id, error: (error as Error).message },
        'could not give the job back: it counts as a try',
      );
    }
  }

  /**
   * Run `run` on `cron` (UTC) once per slot for the whole cluster, however many processes call
   * this: pg-boss keeps the schedule in the database, one process a minute evaluates it, the job
   * of a slot is sent once (a singleton key per minute), and one process takes it. A slot that
   * comes while the last one still runs waits for it (at most one waits). The queue must be opened
   * with `schedule: true`. Every process should give the same `cron`: the last one given is kept.
   */
  async everyCron(cron: string, run: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    await this.boss.schedule(QUEUES.scan, cron, {}, { tz: 'UTC' });
    await this.work(QUEUES.scan, 1, (_data, signal) => run(signal));
  }

  /** The sites' jobs put on the queue and waited for: each site's status, by site id. */
  async runSites(
    siteIds: readonly string[],
    options: Record<string, unknown>,
    watch: {
      signal?: AbortSignal;
      onProgress?: (progress: QueueProgress) => void;
      leaseSeconds?: number;
    } = {},
  ): Promise<Map<string, JobStatus>> {
    const ids = await this.putSites(randomUUID(), siteIds, options, watch.leaseSeconds);
    const statuses = await this.waitFor(QUEUES.site, ids, watch);
    return new Map(siteIds.map((siteId, index) => [siteId, statuses[index]!]));
  }

  /** Stop taking jobs, tell running handlers to stop, wait for them, close the connections. */
  async stop(): Promise<void> {
    this.stopping.abort(new WorkerStopped());
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}

/**
 * Where pg-boss keeps a store's jobs: the `pgboss` schema of the store's database, or, for a store
 * kept in a schema of its own (a `search_path` in the URL's `options`), `<that schema>_pgboss`,
 * so that two stores in one database never take each other's jobs.
 */
export function queueSchemaOf(url: string): string {
  let options: string | null = null;
  try {
    options = new URL(url).searchParams.get('options');
  } catch {
    return 'pgboss';
  }
  const schema = /search_path=([a-z_][a-z0-9_]*)/i.exec(options ?? '')?.[1];
  return schema && schema.toLowerCase() !== 'public' ? `${schema.toLowerCase()}_pgboss` : 'pgboss';
}

export function progressOf(statuses: readonly JobStatus[]): QueueProgress {
  const progress: QueueProgress = { total: statuses.length, waiting: 0, active: 0, completed: 0, failed: 0 };
  for (const status of statuses) {
    if (status.state === 'completed') progress.completed++;
    else if (status.state === 'failed' || status.state === 'cancelled') progress.failed++;
    else if (status.state === 'active') progress.active++;
    else progress.waiting++;
  }
  return progress;
}

/**
 * Our queues as pg-boss keeps them: a site job's and an archive file's queues are singletons by
 * key (one crawl of a site, one read of a file, at a time, whoever queued it), with the leases and
 * tries of `options`; the scheduled scans' queue is stately (one scan at a time; a slot that comes
 * while one runs waits, one queued at most) and never retries a scan.
 */
function queueDefinitions(options: QueueOptions): PgBoss.Queue[] {
  const tries = { retryLimit: options.retryLimit ?? 3, retryDelay: options.retryDelaySeconds ?? 5 };
  return [
    {
      name: QUEUES.site,
      policy: 'singleton',
      ...tries,
      expireInSeconds: options.siteLeaseSeconds ?? DEFAULT_SITE_LEASE_SECONDS,
    },
    { name: QUEUES.discover, policy: 'singleton', ...tries, expireInSeconds: RENEWED_JOB_SECONDS },
    { name: QUEUES.scan, policy: 'stately', retryLimit: 0, expireInSeconds: 23 * 60 * 60 },
  ];
}

/**
 * A queue made by several processes starting at once: pg-boss checks that a queue exists and then
 * creates it, so two of them can deadlock or collide there. The loser tries again and finds it made.
 */
async function settingUp(make: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await make();
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}
