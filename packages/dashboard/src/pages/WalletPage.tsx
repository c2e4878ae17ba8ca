import {
  fetchResult,
  type Job,
  type JobsContext,
  payForJob,
  submitWasmJob,
  waitForJob,
} from '@idlegrid/sdk/browser';
import { type FormEvent, useState } from 'react';
import { connectWallet } from '../api/browser-wallet.js';
import { StateBadge } from '../components/StateBadge.js';
import { formatGrid, parseGrid } from '../format.js';
import { hrefOf } from '../routing.js';

const VERIFICATION_CHOICES = ['', 'none', 'sample:0.1', 'sample:1', 'canary', 'replicate:2', 'replicate:3'];

interface Outcome {
  stdout?: string;
  paid?: string;
  error?: string;
}

function ConnectForm({ onConnect }: { onConnect: (ctx: JobsContext) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      onConnect(await connectWallet(key));
      setError(undefined);
    } catch (cause) {
      setError((cause as Error).message);
    }
  };
  return (
    <form onSubmit={submit} className="form" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect a key (dev mode)</h2>
      <p className="muted">
        On a local network, the funded client's key is in <code>keys/client.key</code> of its data directory.
        The key stays in this tab's memory: it is never stored, and never sent anywhere.
      </p>
      <label htmlFor="private-key">Private key</label>
      <input
        id="private-key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(event) => setKey(event.target.value)}
        required
      />
      <button type="submit">Connect</button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

export function WalletPage() {
  const [ctx, setCtx] = useState<JobsContext>();
  const [file, setFile] = useState<File>();
  const [args, setArgs] = useState('');
  const [maxPrice, setMaxPrice] = useState('1');
  const [verification, setVerification] = useState('');
  const [pay, setPay] = useState(true);
  const [job, setJob] = useState<Job>();
  const [outcome, setOutcome] = useState<Outcome>({});
  const [busy, setBusy] = useState(false);

  if (!ctx)
    return (
      <section aria-labelledby="wallet-title">
        <h1 id="wallet-title">Wallet</h1>
        <ConnectForm onConnect={setCtx} />
      </section>
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setJob(undefined);
    setOutcome({});
    try {
      const submitted = await submitWasmJob(ctx, {
        module: new Uint8Array(await file.arrayBuffer()),
        args: args.split(/\s+/).filter(Boolean),
        maxPrice: parseGrid(maxPrice),
        deadlineSeconds: 600,
        cpuCores: 1,
        memoryMb: 256,
        ...(verification ? { verification } : {}),
      });
      setJob(submitted);
      const done = await waitForJob(ctx, submitted.id, { onProgress: setJob, timeoutMs: 660_000 });
      setJob(done);
      if (done.state !== 'accepted' && done.state !== 'settled') {
        setOutcome({ error: `${done.error?.code ?? done.state}: ${done.error?.message ?? 'no result'}` });
        return;
      }
      const result = await fetchResult(ctx, done);
      const stdout = new TextDecoder().decode(result.stdout);
      if (!pay) return setOutcome({ stdout });
      const payment = await payForJob(ctx, done);
      setJob(payment.job);
      setOutcome({ stdout, paid: payment.job.price ?? '0' });
    } catch (cause) {
      const error = cause as Error & { code?: string };
      setOutcome({ error: `${error.code ? `${error.code}: ` : ''}${error.message}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="wallet-title">
      <h1 id="wallet-title">Wallet</h1>
      <p>
        Connected as{' '}
        <span className="mono" data-testid="wallet-address">
          {ctx.signer.address}
        </span>{' '}
        <button type="button" onClick={() => setCtx(undefined)}>
          Disconnect
        </button>
      </p>
      <form onSubmit={submit} className="form" aria-labelledby="submit-title">
        <h2 id="submit-title">Run a WASM job</h2>
        <label htmlFor="wasm-file">WASI module (.wasm)</label>
        <input
          id="wasm-file"
          type="file"
          accept=".wasm,application/wasm"
          onChange={(event) => setFile(event.target.files?.[0])}
          required
        />
        <label htmlFor="job-args">Arguments (split on spaces)</label>
        <input id="job-args" type="text" value={args} onChange={(event) => setArgs(event.target.value)} />
        <label htmlFor="max-price">Most to pay (GRID)</label>
        <input
          id="max-price"
          type="text"
          inputMode="decimal"
          value={maxPrice}
          onChange={(event) => setMaxPrice(event.target.value)}
        />
        <label htmlFor="verification">Verification</label>
        <select
          id="verification"
          value={verification}
          onChange={(event) => setVerification(event.target.value)}
        >
          {VERIFICATION_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice || "the network's default"}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={pay} onChange={(event) => setPay(event.target.checked)} /> Pay the
          provider once the job is accepted
        </label>
        <button type="submit" disabled={busy || !file}>
          {busy ? 'Running…' : 'Submit job'}
        </button>
      </form>
      {job && (
        <div className="panel" aria-live="polite" data-testid="wallet-job" data-job-id={job.id}>
          <p>
            Job{' '}
            <a href={hrefOf({ page: 'jobs', id: job.id })} className="mono">
              {job.id}
            </a>{' '}
            <span data-testid="wallet-job-state">
              <StateBadge state={job.state} />
            </span>
          </p>
          {outcome.stdout !== undefined && (
            <>
              <h2>Output</h2>
              <pre data-testid="wallet-stdout">{outcome.stdout}</pre>
            </>
          )}
          {outcome.paid !== undefined && (
            <p data-testid="wallet-paid">Paid {formatGrid(outcome.paid)} by voucher.</p>
          )}
        </div>
      )}
      {outcome.error && (
        <p role="alert" className="error" data-testid="wallet-error">
          {outcome.error}
        </p>
      )}
    </section>
  );
}
