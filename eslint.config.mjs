// Flat config: typescript-eslint's recommended rules over the program, the policy pack and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "**/node_modules/**",
      "bin/**",
      "apps/**/node_modules/**",
      "policies/dist/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["apps/**/*.js", "test/**/*.js", "policies/*.js", "components/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        require: "readonly",
        module: "writable",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        __dirname: "readonly",
      },
    },
    // The sample apps, the mocha reporter, the checker's launcher and the minimal images' closure script are plain
    // CommonJS run by node directly;
    // require() is their module system.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
