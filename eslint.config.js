import js from '@eslint/js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

// `import { z } from 'zod'` pulls every zod locale into a Lambda bundle (~450 KB against ~85 KB for the namespace).
const zodNamedImport = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Use `import * as z from 'zod'` (bundle size).",
};

// Capability folders: every folder of functions/ but the shared kernel and the reactor that composes them.
const capabilities = readdirSync(join(import.meta.dirname, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['shared', 'reactor'].includes(entry.name))
  .map((entry) => entry.name);
const domainImports = ['@aws-sdk/*', '@middy/*', 'node:*'];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', '.bench/', 'console/dist/'] },
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
      'no-restricted-imports': ['error', { patterns: domainImports }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env' }],
    },
  },
  // A capability's domain imports no other capability's folder: what two share is a value type in functions/shared.
  ...capabilities.map((capability) => ({
    files: [`functions/${capability}/domain/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: domainImports, message: 'The domain stays pure: no AWS SDK, no middy, no Node built-ins.' },
            {
              group: capabilities.filter((other) => other !== capability).flatMap((other) => [`../../${other}`, `../../${other}/*`, `../../../${other}/*`]),
              message: 'A capability domain imports no other capability; move the shared value type to functions/shared.',
            },
          ],
        },
      ],
    },
  })),
  {
    // Every handler parses its environment here: the registry, and all it imports, stays out of the Lambda bundles
    // (its binding kinds are generated into functions/shared/binding-kinds.generated.ts).
    files: ['functions/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/lib/functions'], allowTypeImports: true, message: 'Import types only from the registry; its binding kinds are in binding-kinds.generated.ts.' }] },
      ],
    },
  },
  {
    // Shared CDK code knows no capability: constructs and the registry depend on it, never the reverse.
    files: ['lib/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../../*'], message: 'lib/shared imports no capability folder.' }] }],
    },
  },
  {
    // The local pages' scripts run in the browser, as classic scripts (files of their own: the pages' CSP runs no inline script).
    files: ['local/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['document', 'location', 'fetch', 'URLSearchParams', 'sessionStorage', 'Chart'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
