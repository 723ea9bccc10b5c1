// Vite build of the console. Preact via esbuild's automatic JSX runtime (no framework plugin);
// the API is same-origin (served by `suanli serve`), so dev mode proxies /api to a local server.
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // ECharts and the map are large and change rarely: their own long-cached chunk.
        manualChunks: { charts: ["echarts"] },
      },
    },
  },
  server: {
    proxy: { "/api": process.env.SUANLI_URL ?? "http://127.0.0.1:8080" },
  },
});
