// One type-checked lint setup for every package; each package runs `eslint .` from its own folder.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/gen/**', '**/.svelte-kit/**', '**/build/**', '**/*.config.*', '**/scripts/**', 'test/load/k6/**'] }, // k6 scripts run in k6's own runtime (k6/* modules, __ENV); test/e2e/k6-scripts.test.ts checks them
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The simulators are the independent check of what the service sends: they share none of its code.
    files: ['simulators/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['@switchboard/service', '@switchboard/service/*', '**/service/**'], message: 'the simulators must not import the service they check' }],
        },
      ],
    },
  },
  {
    // Domain logic stays free of transport, persistence and wire libraries (STYLE.md).
    files: ['service/src/verification/**', 'service/src/routing/**', 'service/src/dispatch/**', 'service/src/messaging/**', 'service/src/admin/**', 'service/src/agents/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@grpc/*', '@mikro-orm/*', 'smpp', 'pg', '@switchboard/proto', '@switchboard/proto/*'], message: 'domain code must not depend on transport or persistence libraries' },
            { group: ['**/grpc/*', '**/persistence/*', '**/providers/*/*'], message: 'domain code talks to adapters only through its ports' },
          ],
        },
      ],
    },
  },
  {
    // Persistence is an adapter: it implements the domain's ports and knows no other adapter.
    files: ['service/src/persistence/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@grpc/*', 'smpp', '@switchboard/proto', '@switchboard/proto/*'], message: 'persistence must not depend on transport or wire libraries' },
            { group: ['**/grpc/*', '**/http/*', '**/providers/*/*'], message: 'persistence implements ports; it does not import other adapters' },
          ],
        },
      ],
    },
  },
);
