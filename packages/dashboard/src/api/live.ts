import { useEffect, useState } from 'react';
import { fetchJson } from './fetch-json.js';
import type { Job } from './types.js';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
}

/** Reads `path` now and every `intervalMs`, keeping the last good answer through a failed read. */
export function usePolled<T>(path: string | undefined, intervalMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    const read = () =>
      fetchJson<T>(path, abort.signal).then(
        (data) => setState({ data, error: undefined }),
        (error: Error) => {
          if (!abort.signal.aborted) setState((previous) => ({ data: previous.data, error }));
        },
      );
    void read();
    const timer = setInterval(read, intervalMs);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [path, intervalMs]);
  return state;
}

const FEED_SIZE = 200;

/**
 * The latest jobs, kept live: the newest FEED_SIZE from `/v1/jobs`, then every change pushed
 * on the coordinator's event stream (a job's newer version replaces the older one).
 */
export function useJobFeed(): { jobs: Job[]; connected: boolean; loaded: boolean } {
  const [jobs, setJobs] = useState<Map<string, Job>>(new Map());
  const [connected, setConnected] = useState(false);
  /** The list has been read once: before that, no jobs means "not known yet", not "none". */
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    const merge = (incoming: readonly Job[]) =>
      setJobs((previous) => {
        const next = new Map(previous);
        for (const job of incoming) {
          const known = next.get(job.id);
          if (!known || known.version < job.version) next.set(job.id, job);
        }
        return next;
      });
    const events = new EventSource('/v1/events');
    events.addEventListener('job', (event) =>
      merge([JSON.parse((event as MessageEvent<string>).data) as Job]),
    );
    events.onopen = () => {
      setConnected(true);
      // Read the list after the stream opens, so no change falls between the two.
      void fetchJson<{ jobs: Job[] }>(`/v1/jobs?limit=${FEED_SIZE}`).then(({ jobs: listed }) => {
        merge(listed);
        setLoaded(true);
      });
    };
    events.onerror = () => setConnected(false);
    return () => events.close();
  }, []);
  const sorted = [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, FEED_SIZE);
  return { jobs: sorted, connected, loaded };
}
