import { usePolled } from '../api/live.js';
import type { ErasureNotice } from '../api/types.js';
import { clockTime, shortAddress } from '../format.js';
import { hrefOf } from '../routing.js';

/**
 * Where the erasure of an artifact stands: each provider that held a copy, and when its signed
 * receipt came. Nothing when the artifact was never erased.
 */
export function ErasureReceipts({ cid }: { cid: string }) {
  const erasure = usePolled<{ notices: ErasureNotice[]; pending: number }>(
    `/v1/artifacts/${cid}/erasure`,
    2_000,
  );
  const notices = erasure.data?.notices ?? [];
  if (notices.length === 0) return null;
  return (
    <div data-testid="erasure-receipts">
      <p className="mono">
        {cid}: erased, {notices.length - (erasure.data?.pending ?? 0)} of {notices.length} providers confirmed
      </p>
      <ul>
        {notices.map((notice) => (
          <li key={notice.provider} data-confirmed={notice.confirmedAt !== null}>
            <a className="mono" href={hrefOf({ page: 'providers', address: notice.provider })}>
              {shortAddress(notice.provider)}
            </a>{' '}
            {notice.confirmedAt === null
              ? 'has not confirmed yet (told again when it is back)'
              : `deleted its copy; signed receipt at ${clockTime(notice.confirmedAt)}`}
          </li>
        ))}
      </ul>
    </div>
  );
}
