import { fileURLToPath } from 'node:url';

/** The built dashboard (`npm run build`): index.html and assets/, for the coordinator to serve. */
export const dashboardDir = fileURLToPath(new URL('./dist/', import.meta.url));
