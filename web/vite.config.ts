import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// Served by `clv serve` under /app/ (DESIGN.md): hashed files go to dist/assets/, which the
// server caches for a year as immutable; index.html is revalidated on every load.
export default defineConfig({
  base: "/app/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a `clv serve` on the default port.
    proxy: Object.fromEntries(
      ["/auth", "/clv", "/jobs", "/orders", "/customers", "/health"].map((p) => [
        p,
        "http://127.0.0.1:3001",
      ]),
    ),
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // userEvent flows on a busy 2-core machine can take seconds.
    testTimeout: 20_000,
  },
});
