import { usePolled } from '../api/live.js';
import type { FeedDevice, FeedReading, FeedSummary } from '../api/types.js';
import { CellMap, type MapCell } from '../components/CellMap.js';
import { Status } from '../components/Status.js';
import { formatGrid, shortAddress } from '../format.js';
import { hrefOf } from '../routing.js';

/** Feeds of signed device readings: devices, readings paid, rewards. */
export function FeedsPage() {
  const feeds = usePolled<{ feeds: FeedSummary[] }>('/v1/feeds', 5_000);
  return (
    <section aria-labelledby="feeds-title">
      <h1 id="feeds-title">Feeds</h1>
      <p className="muted">
        Readings signed by devices, each scored with its reasons; owners are paid for those that pass.
      </p>
      <Status error={feeds.error} loading={!feeds.data} />
      {feeds.data && feeds.data.feeds.length === 0 && (
        <p className="muted">None yet: npx idlegrid localnet --devices 24</p>
      )}
      {feeds.data && feeds.data.feeds.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Feeds" data-testid="feeds">
            <thead>
              <tr>
                <th scope="col">Feed</th>
                <th scope="col">Devices</th>
                <th scope="col">Readings paid</th>
                <th scope="col">Rewards owed</th>
                <th scope="col">Paid by voucher</th>
              </tr>
            </thead>
            <tbody>
              {feeds.data.feeds.map((feed) => (
                <tr key={feed.feed}>
                  <td>
                    <a href={hrefOf({ page: 'feeds', id: feed.feed })}>{feed.feed}</a>
                  </td>
                  <td>{feed.devices}</td>
                  <td>
                    {feed.rewardable} of {feed.readings}
                  </td>
                  <td>{formatGrid(feed.owed)}</td>
                  <td>{formatGrid(feed.paid)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One feed: its cells on the map, and each device's reputation, readings paid and why its last one was not. */
export function FeedDetail({ feed }: { feed: string }) {
  const devices = usePolled<{ devices: FeedDevice[] }>(
    `/v1/feeds/${encodeURIComponent(feed)}/devices`,
    5_000,
  );
  const readings = usePolled<{ readings: FeedReading[] }>(
    `/v1/feeds/${encodeURIComponent(feed)}/readings?limit=1000`,
    5_000,
  );
  const latest = new Map<string, FeedReading>();
  for (const reading of readings.data?.readings ?? [])
    if (reading.quality && !latest.has(reading.device)) latest.set(reading.device, reading);
  const byCell = new Map<string, { devices: Set<string>; scored: number; paid: number }>();
  for (const reading of readings.data?.readings ?? []) {
    if (!reading.quality) continue;
    const entry = byCell.get(reading.cell) ?? { devices: new Set<string>(), scored: 0, paid: 0 };
    entry.devices.add(reading.device);
    entry.scored++;
    if (reading.quality.rewardable) entry.paid++;
    byCell.set(reading.cell, entry);
  }
  const cells: MapCell[] = [...byCell].map(([cell, e]) => ({
    cell,
    devices: e.devices.size,
    paid: e.paid / e.scored,
  }));
  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title">Feed {feed}</h1>
      <Status error={devices.error ?? readings.error} loading={!devices.data} />
      <CellMap cells={cells} />
      {devices.data && (
        <div className="table-wrap">
          <table aria-label="Devices" data-testid="feed-devices">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Owner</th>
                <th scope="col">Reputation</th>
                <th scope="col">Readings paid</th>
                <th scope="col">Its latest reading</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.devices.map((device) => {
                const last = latest.get(device.device);
                return (
                  <tr key={device.device} data-testid="feed-device" data-address={device.device}>
                    <td title={device.device}>{shortAddress(device.device)}</td>
                    <td title={device.owner}>{shortAddress(device.owner)}</td>
                    <td>{device.reputation.toFixed(2)}</td>
                    <td>
                      {device.rewardable} of {device.scored}
                    </td>
                    <td data-testid="feed-device-reason">
                      {last?.quality
                        ? last.quality.rewardable
                          ? `paid${last.quality.reason ? ` (doubt: ${last.quality.reason})` : ''}`
                          : `not paid: ${last.quality.reason ?? ''}`
                        : '-'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
