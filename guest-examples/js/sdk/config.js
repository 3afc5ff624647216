// Parsing and checking a connector's JSON config so that every connector reports
// unknown keys and wrong types the same way (as invalid-config).
import { invalidConfig } from './errors.js';

/**
 * @typedef {'boolean' | 'string' | 'number' | 'u32' | 'u64' | 'string[]'} FieldType
 */

const U32_MAX = 0xffff_ffff;

/**
 * Parses `config` (a JSON object text) and checks it against `fields`.
 * Missing keys take the default; an unknown key, a wrong type or a value out of
 * range throws invalid-config naming the key.
 *
 * @template {Record<string, { type: FieldType, default?: unknown }>} F
 * @param {string} config the JSON the host passed to `open`
 * @param {F} fields allowed keys, their types and defaults
 * @returns {{ [K in keyof F]: any }}
 */
export function parseConfig(config, fields) {
  let parsed;
  try {
    parsed = JSON.parse(config === '' ? '{}' : config);
  } catch (e) {
    throw invalidConfig(`config is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidConfig('config must be a JSON object');
  }
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const key of Object.keys(parsed)) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) {
      throw invalidConfig(`unknown config key "${key}" (allowed: ${Object.keys(fields).join(', ')})`);
    }
  }
  for (const [key, spec] of Object.entries(fields)) {
    const value = parsed[key];
    if (value === undefined) {
      out[key] = spec.default;
      continue;
    }
    out[key] = checkType(key, spec.type, value);
  }
  return /** @type {any} */ (out);
}

/** @param {string} key @param {FieldType} type @param {unknown} value */
function checkType(key, type, value) {
  switch (type) {
    case 'boolean':
    case 'string':
    case 'number':
      if (typeof value !== type) throw invalidConfig(`config key "${key}" must be a ${type}, got ${describe(value)}`);
      return value;
    case 'u32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
        throw invalidConfig(`config key "${key}" must be an integer 0..${U32_MAX}, got ${describe(value)}`);
      }
      return value;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw invalidConfig(`config key "${key}" must be an array of strings, got ${describe(value)}`);
      }
      return value;
    case 'u64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw invalidConfig(`config key "${key}" must be a non-negative integer, got ${describe(value)}`);
      }
      return BigInt(value);
    default:
      throw invalidConfig(`config key "${key}" has an unsupported type ${String(type)}`);
  }
}

/** @param {unknown} value */
const describe = (value) => (Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`);
