// Lint rules: typescript-eslint's recommended set. `any` is allowed: the SDKs the tests drive have no types
// and a few parsed JSON replies are read loosely (handler input is typed from the contracts:
// mock-server/contract/generated/operations.ts); unused names must start with _.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.vitest/', 'mock-server/dashboard/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
