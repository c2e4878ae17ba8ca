import { useEffect, useState } from 'react';

export type Route =
  | { page: 'network' }
  | { page: 'providers'; address?: string }
  | { page: 'jobs'; id?: string }
  | { page: 'federated'; id?: string }
  | { page: 'feeds'; id?: string }
  | { page: 'ledger' }
  | { page: 'governance' }
  | { page: 'integrity' }
  | { page: 'wallet' };

/** `#/providers/0xabc` → { page: 'providers', address: '0xabc' }; anything unknown is the network page. */
export function parseRoute(hash: string): Route {
  const [page, id] = hash.replace(/^#\/?/, '').split('/');
  switch (page) {
    case 'providers':
      return id ? { page, address: id } : { page };
    case 'jobs':
    case 'federated':
    case 'feeds':
      return id ? { page, id: decodeURIComponent(id) } : { page };
    case 'ledger':
    case 'governance':
    case 'integrity':
    case 'wallet':
      return { page };
    default:
      return { page: 'network' };
  }
}

export function hrefOf(route: Route): string {
  if (route.page === 'providers' && route.address) return `#/providers/${route.address}`;
  if ((route.page === 'jobs' || route.page === 'federated' || route.page === 'feeds') && route.id)
    return `#/${route.page}/${encodeURIComponent(route.id)}`;
  return `#/${route.page}`;
}

/** Hash routing: every view has a link that can be shared and reloaded, with no server routes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
