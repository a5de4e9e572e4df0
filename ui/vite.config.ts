/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `base: './'` keeps asset URLs relative, so one bundle works at http://127.0.0.1:PORT/ (served by
// the engine) and at tauri://localhost/ (the desktop webview).
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    // `npm run dev`: the API of a running `hookbench serve` (HOOKBENCH_API, default :9001) behind
    // the dev server's origin. The engine refuses foreign Origins, so the proxy drops that header.
    proxy: {
      '/api': {
        target: process.env.HOOKBENCH_API ?? 'http://127.0.0.1:9001',
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.removeHeader('origin')),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
