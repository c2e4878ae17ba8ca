import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestLimits } from './request-limits.js';

/** A metric of this server on `registry`: a second server on the same registry replaces the first's. */
function fresh(registry: Registry, name: string): Registry[] {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  return [registry];
}

/** The limits' counts in /metrics, read when scraped. */
export function registerLimitMetrics(registry: Registry, limits: RequestLimits): void {
  const tables = { ip: limits.ip, client: limits.client, api_key: limits.apiKey } as const;
  new Counter({
    name: 'idlegrid_requests_shed_total',
    help: 'Requests answered 503 OVERLOADED, by reason',
    labelNames: ['reason'],
    registers: fresh(registry, 'idlegrid_requests_shed_total'),
    collect() {
      this.reset();
      const { eventLoopDelay, pendingSubmissions, streams } = limits.shedder.shed;
      this.inc({ reason: 'event_loop_delay' }, eventLoopDelay);
      this.inc({ reason: 'pending_submissions' }, pendingSubmissions);
      this.inc({ reason: 'streams' }, streams);
    },
  });
  new Counter({
    name: 'idlegrid_requests_limited_total',
    help: 'Requests answered 429, by what was keyed (ip, client, api_key) and the limit (rate, quota)',
    labelNames: ['key', 'limit'],
    registers: fresh(registry, 'idlegrid_requests_limited_total'),
    collect() {
      this.reset();
      for (const [key, table] of Object.entries(tables)) {
        this.inc({ key, limit: 'rate' }, table.refused.rate);
        this.inc({ key, limit: 'quota' }, table.refused.quota);
      }
    },
  });
  new Gauge({
    name: 'idlegrid_limiter_keys',
    help: 'Keys each limiter table remembers (bounded by limits.maxKeys)',
    labelNames: ['key'],
    registers: fresh(registry, 'idlegrid_limiter_keys'),
    collect() {
      for (const [key, table] of Object.entries(tables)) this.set({ key }, table.keys);
    },
  });
  new Gauge({
    name: 'idlegrid_event_loop_delay_seconds',
    help: 'The event loop delay the load shedder sees (p99 over the last second)',
    registers: fresh(registry, 'idlegrid_event_loop_delay_seconds'),
    collect() {
      this.set(limits.shedder.eventLoopDelayMs() / 1000);
    },
  });
  new Gauge({
    name: 'idlegrid_pending_submissions',
    help: 'Submitted jobs not yet stored',
    registers: fresh(registry, 'idlegrid_pending_submissions'),
    collect() {
      this.set(limits.shedder.pendingSubmissions);
    },
  });
  new Gauge({
    name: 'idlegrid_open_event_streams',
    help: 'Open event streams (job events and OpenAI streams)',
    registers: fresh(registry, 'idlegrid_open_event_streams'),
    collect() {
      this.set(limits.shedder.openStreams);
    },
  });
}
