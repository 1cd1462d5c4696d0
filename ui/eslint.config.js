// The UI's linter: typescript-eslint's recommended rules with type information, and every
// switch over a closed set (a union the Rust enums export) exhaustive.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/ipc/bindings.ts", "src/ipc/commands.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      eqeqeq: "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The tests' fakes answer as the real IPC does: with promises, whether or not they wait.
    files: ["src/testing.ts", "src/**/*.test.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["*.js", "*.config.ts"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
