import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `vite build` makes the app Tauri bundles (index.html only, into dist/).
// `vite build --mode preview` makes the screenshot-only preview (preview.html with fake
// IPC data, into dist-preview/), so no fixture code ever reaches the shipped bundle.
export default defineConfig(({ mode }) => {
  const preview = mode === 'preview';
  const input: Record<string, string> = preview
    ? { preview: resolve(import.meta.dirname, 'preview.html') }
    : { index: resolve(import.meta.dirname, 'index.html') };
  return {
    base: './',
    plugins: [react()],
    clearScreen: false,
    server: { port: 1420, strictPort: true },
    build: {
      outDir: preview ? 'dist-preview' : 'dist',
      emptyOutDir: true,
      target: 'es2022',
      rolldownOptions: { input },
    },
  };
});
