import type { Provider } from '../api/types.js';
import { formatMb } from '../format.js';

export function providerState(provider: Provider, now = Date.now()): string {
  if (provider.suspendedUntil !== null && provider.suspendedUntil > now) return 'suspended';
  return provider.online ? 'online' : 'offline';
}

export function hardwareOf(provider: Provider): string {
  const { cpuCores, memoryMb, gpuCount, gpuModel, vramMb } = provider.offer;
  const cpu = `${cpuCores} cores, ${formatMb(memoryMb)}`;
  return gpuCount > 0 ? `${cpu}, ${gpuCount}× ${gpuModel || 'GPU'} (${formatMb(vramMb)})` : cpu;
}

/**
 * When the provider takes jobs, in the viewer's local time. An offer whose span runs to its own
 * expiry is renewed as long as the provider is up: it is available now, with no window.
 */
export function availabilityOf(provider: Provider, now = Date.now()): string {
  const from = Number(provider.offer.availableFrom) * 1000;
  const until = Number(provider.offer.availableUntil) * 1000;
  const expiry = Number(provider.offer.expiry) * 1000;
  if (from <= now && until >= expiry) return 'now, while online';
  const time = (at: number) =>
    new Date(at).toLocaleTimeString('en-GB', { hour12: false, timeStyle: 'short' });
  return `${time(from)} – ${time(until)} daily`;
}
