import { defineConfig } from 'vitest/config';

// Unit specs cover pure modules under src/lib, so they run without the SvelteKit plugin.
export default defineConfig({ test: { include: ['src/**/*.spec.ts'], environment: 'node' } });
