import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // Served by the coordinator at `/`; the API lives on the same origin under /v1.
  base: '/',
  resolve: {
    alias: {
      // The browser wallet signs with viem and never recovers a signature, so the
      // protocol's libsecp256k1 (WebAssembly, loaded as an ES module) stays out of the bundle.
      'tiny-secp256k1': new URL('./src/api/no-secp256k1.ts', import.meta.url).pathname,
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  server: { proxy: { '/v1': process.env.IDLEGRID_COORDINATOR ?? 'http://127.0.0.1:7070' } },
});
