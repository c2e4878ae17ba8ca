import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { JobEventBus } from '../coordinator/job-event-bus.js';
import type { ProviderRegistry } from '../coordinator/provider-registry.js';

/**
 * Prometheus metrics of one coordinator: its own registry, so several can live in one process
 * (tests). With the provider registry, each provider's drop-out risk too (docs/operations.md has
 * alert rules on it).
 */
export function createMetrics(
  bus: JobEventBus,
  providers?: ProviderRegistry,
  heldJobs?: () => Record<string, number>,
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'idlegrid_' });
  const transitions = new Counter({
    name: 'idlegrid_job_transitions_total',
    help: 'Job state changes seen by this coordinator, by the state entered',
    labelNames: ['state'],
    registers: [registry],
  });
  bus.subscribe((job) => transitions.inc({ state: job.state }));
  if (providers) providerRiskMetrics(registry, providers);
  if (heldJobs) {
    new Gauge({
      name: 'idlegrid_jobs_held_in_memory',
      help: 'Jobs the coordinator holds something of in memory, by what: flat under steady load, 0 once every run is over (else a leak)',
      labelNames: ['held'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [held, jobs] of Object.entries(heldJobs())) this.set({ held }, jobs);
      },
    });
  }
  return registry;
}

/** Each provider's predicted drop-out risk, read when Prometheus scrapes. */
function providerRiskMetrics(registry: Registry, providers: ProviderRegistry): void {
  const riskOf = (address: string) => providers.scheduler.failures.riskOf(address);
  new Gauge({
    name: 'idlegrid_provider_dropout_risk',
    help: 'Probability that the provider drops out within the next hour, as the failure predictor sees it',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { address } of providers.list()) this.set({ provider: address }, riskOf(address).perHour);
    },
  });
  new Gauge({
    name: 'idlegrid_provider_dropout_risk_rising',
    help: "1 while the provider's drop-out rate is at least twice its usual one (and at least 1% an hour)",
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { address } of providers.list())
        this.set({ provider: address }, riskOf(address).rising ? 1 : 0);
    },
  });
}
