import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { JobEventBus } from '../coordinator/job-event-bus.js';

/** Prometheus metrics of one coordinator: its own registry, so several can live in one process (tests). */
export function createMetrics(bus: JobEventBus): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'idlegrid_' });
  const transitions = new Counter({
    name: 'idlegrid_job_transitions_total',
    help: 'Job state changes seen by this coordinator, by the state entered',
    labelNames: ['state'],
    registers: [registry],
  });
  bus.subscribe((job) => transitions.inc({ state: job.state }));
  return registry;
}
