import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import { isFinalJobState } from '@idlegrid/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobEventBus } from '../../coordinator/job-event-bus.js';
import type { LeaseKeyRelay, LeaseKeyRequest } from '../../coordinator/lease-keys.js';
import type { JobRecord, JobStore } from '../../jobs/api.js';
import { isJobState } from '../../jobs/job-states.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { RequestLimits } from '../limits/request-limits.js';
import { hasResult, type ResultBundle, resultBundle } from '../result-bundle.js';

const KEEPALIVE_MS = 15_000;

/** Each published job version is serialized once, however many streams carry it. */
const frames = new WeakMap<JobRecord, string>();
function frameOf(job: JobRecord): string {
  let frame = frames.get(job);
  if (frame === undefined) {
    frame = `event: job\nid: ${job.id}:${job.version}\ndata: ${toWireJson(job)}\n\n`;
    frames.set(job, frame);
  }
  return frame;
}

export interface EventsQuery {
  client?: string;
  job?: string;
  states?: string;
  results?: string;
}

/** A finished job with its result (see result-bundle.ts): one frame, so that neither waits for the other. */
function resultFrameOf(job: JobRecord, result: ResultBundle): string {
  return `event: result\nid: ${job.id}:${job.version}\ndata: ${toWireJson({ job, result })}\n\n`;
}

/** A private job's lease waiting for its client's keys (see coordinator/lease-keys.ts). */
function keysFrameOf(request: LeaseKeyRequest): string {
  return `event: keys\ndata: ${JSON.stringify(request)}\n\n`;
}

/**
 * Server-sent events: one `job` event per job change, optionally only one client's jobs
 * (`?client=`), one job's (`?job=`), or changes into some states (`?states=a,b`).
 * A stream for one job starts with its current record, whatever `states` says, so a client
 * waiting for a job needs this one request: no read before it, none after it opens. With
 * `results=inline`, a job that has a result comes as a `result` event carrying the job and its
 * result together: a client running many jobs needs no request per job at all.
 * A `keys` event, whatever `states` says, asks for the keys of a private job's lease: the client
 * answers with `POST /v1/jobs/:id/keys`.
 */
export function eventRoutes(app: FastifyInstance, deps: StreamDeps & { limits: RequestLimits }): void {
  app.get<{ Querystring: EventsQuery }>('/v1/events', async (request, reply) => {
    const filter = streamFilter(request.query);
    // An unknown job is an error answer, not an empty stream.
    if (request.query.job !== undefined) await deps.store.get(request.query.job);
    const closeStream = deps.limits.openStream(request.ip);
    streamJobs(request, reply, deps, { ...filter, closeStream }, request.query.job);
  });
}

export interface StreamFilter {
  client?: string;
  states?: ReadonlySet<string>;
  inlineResults: boolean;
  /**
   * End the stream after the first frame of a job whose run is over (a final state): the
   * answer to a submission that waits for its result, whose connection then serves the next.
   */
  endWhenDone?: boolean;
  /** Gives the stream's place back to the load shedder (see limits/load-shedder.ts) once it closes. */
  closeStream?: (() => void) | undefined;
}

/** The filter of `?client=&states=&results=`; INVALID_ARGUMENT for an unknown state or results mode. */
export function streamFilter(query: Omit<EventsQuery, 'job'>): StreamFilter {
  const states = query.states === undefined ? undefined : new Set(query.states.split(','));
  if (states && ![...states].every(isJobState))
    throw new IdlegridError('INVALID_ARGUMENT', `unknown state in ${query.states}`);
  if (query.results !== undefined && query.results !== 'inline')
    throw new IdlegridError('INVALID_ARGUMENT', 'results may only be inline');
  return {
    ...(query.client === undefined ? {} : { client: query.client.toLowerCase() }),
    ...(states ? { states } : {}),
    inlineResults: query.results === 'inline',
  };
}

/**
 * Turns the reply into an event stream of the job changes `filter` lets through; with `jobId`,
 * only that job's, starting with its current record.
 */
export interface StreamDeps {
  bus: JobEventBus;
  store: JobStore;
  artifacts: ArtifactStore;
  leaseKeys?: LeaseKeyRelay | undefined;
}

export function streamJobs(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: StreamDeps,
  filter: StreamFilter,
  jobId?: string,
): void {
  const job = jobId?.toLowerCase();
  reply.hijack();
  const stream = reply.raw;
  stream.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // A HEAD request gets the headers alone: Node sends them only with a body, or at the end.
  if (request.method === 'HEAD') return void stream.end();
  stream.write(': connected\n\n');
  let ended = false;
  const write = (record: JobRecord, frame: string) => {
    if (ended || stream.destroyed) return;
    if (filter.endWhenDone && isFinalJobState(record.state)) {
      ended = true;
      stream.end(frame); // the last frame and the stream's end in one write
    } else stream.write(frame);
  };
  const send = (record: JobRecord) => {
    if (!filter.inlineResults || !hasResult(record)) return write(record, frameOf(record));
    resultBundle(deps.artifacts, record).then(
      (result) => write(record, resultFrameOf(record, result)),
      // The result is gone (erased meanwhile): the job alone, the client asks for the rest.
      () => write(record, frameOf(record)),
    );
  };
  const interest = job !== undefined ? { job } : filter.client !== undefined ? { client: filter.client } : {};
  const unsubscribe = deps.bus.subscribe((record) => {
    if (filter.client !== undefined && record.client.toLowerCase() !== filter.client) return;
    if (job !== undefined && record.id.toLowerCase() !== job) return;
    if (filter.states !== undefined && !filter.states.has(record.state)) return;
    send(record);
  }, interest);
  const unsubscribeKeys = deps.leaseKeys?.subscribe((keys) => {
    if (!ended && !stream.destroyed) stream.write(keysFrameOf(keys));
  }, interest);
  const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
  const closed = () => {
    clearInterval(keepalive);
    unsubscribe();
    unsubscribeKeys?.();
    filter.closeStream?.();
  };
  request.raw.on('close', closed);
  stream.once('close', closed);
  // Read after subscribing: a change made meanwhile arrives as an event (versions order them).
  if (jobId !== undefined) {
    deps.store.get(jobId).then(send, () => stream.end()); // the store failed: the client falls back to polling
  }
}
