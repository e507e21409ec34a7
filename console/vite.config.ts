import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The console: a static single-page app under `/console/`, served by the local runtime and by CloudFront in AWS. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Mermaid and chart.js are loaded by the views that draw with them, never with the first view.
    chunkSizeWarningLimit: 4000,
    modulePreload: { polyfill: false },
  },
});
