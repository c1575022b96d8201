// Lint rules: typescript-eslint recommended, plus the import boundaries from DESIGN.md
// (api/ and worker/ never import each other).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "migrations/", "bench-results/", ".wrangler/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: ["api/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/worker/**", "onnxruntime-node", "bullmq"] }] },
  },
  {
    files: ["worker/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/api/**"] }] },
  },
);
