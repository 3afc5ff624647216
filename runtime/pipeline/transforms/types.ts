// Config-layer types the transforms and schema checks are written against. They mirror
// runtime/config/index.ts (being written in parallel); switch these imports to it once it lands.

export type Schema = 'json' | 'raw' | 'text' | 'proto' | 'avro' | 'flatbuffer';

/** One problem found in a config, with the TOML path it is about. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A transform as the config layer hands it over: the TOML table minus `enabled`, in the order written. */
export interface TransformSpec {
  name: string;
  enabled: boolean;
  options: Record<string, unknown>;
  path: string;
}
