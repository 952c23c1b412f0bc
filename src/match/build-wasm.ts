/**
 * `npm run wasm`: assemble page-words.wat into the page-words.wasm committed beside it (the tool,
 * wabt, is a development dependency; the product loads the committed bytes). A test assembles the
 * source again and fails when the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';
import { isMainModule } from '../files/main-module.ts';

export const WAT_FILE = fileURLToPath(new URL('./page-words.wat', import.meta.url));
export const WASM_FILE = fileURLToPath(new URL('./page-words.wasm', import.meta.url));

/** The module's bytes, assembled from its source (no debug names: the same bytes on every machine). */
export async function assembleWords(): Promise<Uint8Array> {
  const tools = await wabt();
  const module = tools.parseWat(WAT_FILE, readFileSync(WAT_FILE, 'utf8'), {
    mutable_globals: true,
    bulk_memory: true,
    simd: true,
  });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (isMainModule(import.meta.url)) {
  writeFileSync(WASM_FILE, await assembleWords());
  process.stdout.write(`wrote ${WASM_FILE}\n`);
}
