import { FederatedPage, FederatedRunDetail } from './pages/FederatedPage.js';
import { FeedDetail, FeedsPage } from './pages/FeedsPage.js';
import { GovernancePage } from './pages/GovernancePage.js';
import { IntegrityPage } from './pages/IntegrityPage.js';
import { JobDetail } from './pages/JobDetail.js';
import { JobsPage } from './pages/JobsPage.js';
import { LedgerPage } from './pages/LedgerPage.js';
import { NetworkPage } from './pages/NetworkPage.js';
import { ProviderDetail } from './pages/ProviderDetail.js';
import { ProvidersPage } from './pages/ProvidersPage.js';
import { WalletPage } from './pages/WalletPage.js';
import { hrefOf, type Route, useRoute } from './routing.js';
import { useTheme } from './theme.js';

const PAGES: { route: Route; label: string }[] = [
  { route: { page: 'network' }, label: 'Network' },
  { route: { page: 'providers' }, label: 'Providers' },
  { route: { page: 'jobs' }, label: 'Jobs' },
  { route: { page: 'federated' }, label: 'Federated' },
  { route: { page: 'feeds' }, label: 'Feeds' },
  { route: { page: 'ledger' }, label: 'Ledger' },
  { route: { page: 'governance' }, label: 'Governance' },
  { route: { page: 'integrity' }, label: 'Integrity' },
  { route: { page: 'wallet' }, label: 'Wallet' },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'network':
      return <NetworkPage />;
    case 'providers':
      return route.address ? <ProviderDetail address={route.address} /> : <ProvidersPage />;
    case 'jobs':
      return route.id ? <JobDetail id={route.id} /> : <JobsPage />;
    case 'federated':
      return route.id ? <FederatedRunDetail id={route.id} /> : <FederatedPage />;
    case 'feeds':
      return route.id ? <FeedDetail feed={route.id} /> : <FeedsPage />;
    case 'ledger':
      return <LedgerPage />;
    case 'governance':
      return <GovernancePage />;
    case 'integrity':
      return <IntegrityPage />;
    case 'wallet':
      return <WalletPage />;
  }
}

export function App() {
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  return (
    <>
      {/* A button, not a link: the hash is the route, so `#main` would navigate away. */}
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header className="top">
        <span className="brand">idlegrid</span>
        <nav aria-label="Pages">
          {PAGES.map(({ route: target, label }) => (
            <a
              key={label}
              href={hrefOf(target)}
              aria-current={route.page === target.page ? 'page' : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          className="theme"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
