/** Different machines in different places at different prices, so matching has choices to make. */
export interface ProviderPreset {
  region: string;
  /** Price per CPU-second, in GRID. */
  price: string;
  cores: number;
  memoryGb: number;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { region: 'eu-west', price: '0.02', cores: 4, memoryGb: 8 },
  { region: 'us-east', price: '0.01', cores: 2, memoryGb: 4 },
  { region: 'ap-south', price: '0.015', cores: 8, memoryGb: 16 },
  { region: 'sa-east', price: '0.012', cores: 2, memoryGb: 2 },
];

export function presetOf(index: number): ProviderPreset {
  return PROVIDER_PRESETS[index % PROVIDER_PRESETS.length]!;
}
