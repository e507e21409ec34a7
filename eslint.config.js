import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `import { z } from 'zod'` pulls every zod locale into a Lambda bundle (~450 KB against ~85 KB for the namespace).
const zodNamedImport = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Use `import * as z from 'zod'` (bundle size).",
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'off',
      'no-restricted-syntax': ['error', zodNamedImport],
    },
  },
  {
    // The domain stays pure: no AWS SDK, no middy, no environment.
    files: ['functions/*/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '@middy/*', 'node:*'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env' }],
    },
  },
  {
    // Shared CDK code knows no capability: constructs and the registry depend on it, never the reverse.
    files: ['lib/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../../*'], message: 'lib/shared imports no capability folder.' }] }],
    },
  },
);
