import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 reads its options from the plugin call; there is no svelte.config.js.
export default defineConfig({
  plugins: [tailwindcss(), sveltekit({ adapter: adapter() })],
});
