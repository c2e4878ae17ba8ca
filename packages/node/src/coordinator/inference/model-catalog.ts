import { IdlegridError } from '@idlegrid/protocol';
import type { Address } from 'viem';
import { type ModelRuntime, parseModelListing } from '../../market/model-listing.js';
import type { ProviderRegistry } from '../provider-registry.js';

/** A model name as the network serves it now. */
export interface CatalogModel {
  name: string;
  runtime: ModelRuntime;
  /** The weights requests are routed to: of the CIDs listed under this name, the one most providers hold. */
  cid: string;
  providers: Address[];
  /** The highest price per thousand tokens among them: what a request's max price is sized by. */
  maxPricePer1kTokens: bigint;
}

/** The models that online providers list in their offers, by name. */
export function modelCatalog(registry: ProviderRegistry, nowMs = Date.now()): Map<string, CatalogModel> {
  const byCid = new Map<
    string,
    { name: string; runtime: ModelRuntime; providers: Address[]; price: bigint }
  >();
  for (const entry of registry.list()) {
    if (!registry.isOnline(entry.offer.provider, nowMs)) continue;
    for (const text of entry.offer.models) {
      const listing = parseModelListing(text);
      if (!listing) continue;
      const key = `${listing.name}\n${listing.cid}`;
      const model = byCid.get(key) ?? {
        name: listing.name,
        runtime: listing.runtime,
        providers: [],
        price: 0n,
      };
      model.providers.push(entry.offer.provider);
      if (entry.offer.pricePer1kTokens > model.price) model.price = entry.offer.pricePer1kTokens;
      byCid.set(key, model);
    }
  }
  const catalog = new Map<string, CatalogModel>();
  for (const [key, model] of byCid) {
    const known = catalog.get(model.name);
    if (known && known.providers.length >= model.providers.length) continue;
    catalog.set(model.name, {
      name: model.name,
      runtime: model.runtime,
      cid: key.slice(model.name.length + 1),
      providers: model.providers,
      maxPricePer1kTokens: model.price,
    });
  }
  return catalog;
}

export function findModel(registry: ProviderRegistry, name: string, runtime: ModelRuntime): CatalogModel {
  const model = modelCatalog(registry).get(name);
  if (!model || model.runtime !== runtime) {
    throw new IdlegridError('MODEL_NOT_FOUND', `no provider online serves the ${runtime} model ${name}`, {
      details: { model: name },
    });
  }
  return model;
}
