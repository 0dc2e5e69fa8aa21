import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The console's GraphQL types come from the service's schema (../schema.graphql, printed from the code by
 * `npm run schema:print`). Every operation is written with `graphql(...)` in src/; the generated
 * src/gql/ (not committed) types its variables and result, so a schema change that breaks an
 * operation fails codegen or `tsc`, and with them `npm run build`.
 */
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: false,
  errorsOnly: true,
  silent: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // documents as plain strings: no GraphQL parser/printer in the bundle
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
        defaultScalarType: 'unknown',
        strictScalars: true,
      },
    },
  },
};

export default config;
