import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { absoluteUrl } from './absolute-url.ts';
import { loadYamlFile } from './yaml.ts';

/**
 * `rules/alerts.yaml` (optional): where a scan announces the violations it found new.
 *
 * ```yaml
 * alerts:
 *   webhooks: [https://hooks.example/syndicate]
 * ```
 */
const alertsSchema = z.strictObject({
  webhooks: z
    .array(absoluteUrl)
    .default([])
    .describe('URLs that receive a JSON POST listing the new violations of each scan'),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(300_000)
    .default(10_000)
    .describe('time allowed for one delivery attempt'),
  retries: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('attempts per URL for a network error, 429 or 5xx'),
});

export const alertsFileSchema = z.strictObject({
  // `prefault` runs the defaults above through the schema, so they are written only there.
  alerts: alertsSchema.prefault({}),
});

export type AlertsConfig = z.output<typeof alertsSchema>;

const ALERTS_FILE = 'alerts.yaml';

/** The alert settings; the file is optional and its absence means no alerts. */
export function loadAlerts(rulesDir: string): AlertsConfig {
  const file = join(rulesDir, ALERTS_FILE);
  if (!existsSync(file)) return alertsSchema.parse({});
  return loadYamlFile(file, alertsFileSchema).alerts;
}
