/** Different machines in different places at different prices, so matching has choices to make. */
export interface ProviderPreset {
  region: string;
  /** Price per CPU-second, in GRID. */
  price: string;
  /** Price per thousand LLM tokens (prompt plus completion), in GRID. */
  price1kTokens: string;
  cores: number;
  memoryGb: number;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  { region: 'eu-west', price: '0.02', price1kTokens: '0.002', cores: 4, memoryGb: 8 },
  { region: 'us-east', price: '0.01', price1kTokens: '0.001', cores: 2, memoryGb: 4 },
  { region: 'ap-south', price: '0.015', price1kTokens: '0.0015', cores: 8, memoryGb: 16 },
  { region: 'sa-east', price: '0.012', price1kTokens: '0.0012', cores: 2, memoryGb: 2 },
];

export function presetOf(index: number): ProviderPreset {
  return PROVIDER_PRESETS[index % PROVIDER_PRESETS.length]!;
}
