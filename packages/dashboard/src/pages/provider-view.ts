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

/** The offer's availability span, in the viewer's local time. */
export function availabilityOf(provider: Provider): string {
  const from = Number(provider.offer.availableFrom) * 1000;
  const until = Number(provider.offer.availableUntil) * 1000;
  const fmt = (at: number) =>
    new Date(at).toLocaleString('en-GB', { hour12: false, dateStyle: 'short', timeStyle: 'short' });
  return `${fmt(from)} – ${fmt(until)}`;
}
