// Build of the member app (hub/app/web -> dist/member-app), served by the hub under /app; the service worker caches the shell so codes work offline.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";

const outDir = fileURLToPath(new URL("../../../dist/member-app/", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/app/",
  logLevel: "warn",
  // Always React's production build, whatever NODE_ENV the shell (or a test runner) has.
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir,
    emptyOutDir: true,
    target: ["es2020", "safari14", "chrome87", "firefox78"],
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  plugins: [
    react(),
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: false,
      scope: "/app/",
      base: "/app/",
      filename: "sw.js",
      manifest: {
        name: "会员码 Member card",
        short_name: "会员码",
        lang: "zh-CN",
        start_url: "/app/#/code",
        scope: "/app/",
        display: "standalone",
        background_color: "#ffffff",
        theme_color: "#1677ff",
        icons: [{ src: "icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" }],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,webmanifest}"],
        navigateFallback: "/app/index.html",
        navigateFallbackAllowlist: [/^\/app\//],
        // The hub's API is never cached: the app keeps what it needs (card, key, last summary) in IndexedDB.
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
});
