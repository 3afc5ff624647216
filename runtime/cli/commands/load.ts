// Loads and validates a runtime config the way every command needs it: with the
// pipeline's transform validator, so `validate` and `run` agree on what is valid.
import { loadConfig, type RuntimeConfig } from '../../config/index.js';
import { validateTransform } from '../../pipeline/transforms/index.js';

export function loadRuntimeConfig(file: string): Promise<RuntimeConfig> {
  return loadConfig(file, { validateTransform });
}
