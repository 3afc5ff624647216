// `iggy-connectors new`: writes a connector project that builds on its own, outside this
// repository: the connector source, the SDK and the WIT contract vendored (neither is
// published), a build script, a README, the conformance kit as its test and a CI workflow.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../../errors.js';
import { CliUsageError, parseCommandArgs, type Command } from '../command.js';
import { VERSION } from '../version.js';

/** The package root: templates/, wit/ and guest-examples/<lang>/sdk/ ship with the package. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export const KINDS = ['sink', 'source'] as const;
export const LANGS = ['rust', 'go', 'js'] as const;
export type Kind = (typeof KINDS)[number];
export type Lang = (typeof LANGS)[number];

export class ScaffoldError extends RuntimeError {}

export interface ScaffoldOptions {
  kind: string;
  lang: string;
  name: string;
  /** Where the project goes; default `./<name>`. Must not exist or be empty. */
  dir?: string;
  /** The npm version spec of the `iggy-connectors` dev dependency; default `^<this version>`. */
  runtime?: string;
}

export interface Scaffolded {
  dir: string;
  kind: Kind;
  lang: Lang;
  name: string;
  /** The component the build writes, relative to `dir`. */
  component: string;
  /** Every file written, relative to `dir`, sorted. */
  files: string[];
}

const RUST_RESERVED = new Set(
  (
    'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return ' +
    'self static struct super trait true type unsafe use where while abstract become box do final gen macro override priv try typeof ' +
    'unsized virtual yield test core std alloc proc_macro iggy_connector_sdk serde serde_json wit_bindgen'
  ).split(' '),
);
const GO_RESERVED = new Set(['sdk', 'iggyconnector', 'wit_component']);

/** Throws ScaffoldError (NEW_NAME) unless `name` suits a project of `lang`; the name becomes the npm package, crate or file name. */
export function checkName(name: string, lang: Lang): void {
  const bad = (why: string) => new ScaffoldError('NEW_NAME', `invalid connector name "${name}" for --lang ${lang}: ${why}`);
  if (!/^[a-z][a-z0-9]*([-_][a-z0-9]+)*$/.test(name)) {
    throw bad('use lowercase letters, digits and single "-" or "_" between them, starting with a letter (e.g. my-sink)');
  }
  if (name.length > 64) throw bad('at most 64 characters');
  const snake = snakeName(name);
  if (name === 'iggy-connectors' || snake === 'iggy_connectors') throw bad('the project depends on the package iggy-connectors, so it cannot take that name');
  if (lang === 'rust' && RUST_RESERVED.has(snake)) throw bad(`"${snake}" is a Rust keyword, a reserved crate name or a dependency of the SDK`);
  if (lang === 'go' && GO_RESERVED.has(snake)) throw bad(`"${name}" is a module name the Go build uses itself`);
  if (lang === 'js' && (builtinModules.includes(name) || name === 'node_modules')) throw bad('npm refuses Node.js built-in module names as package names');
}

export const snakeName = (name: string): string => name.replaceAll('-', '_');

/** Throws ScaffoldError (NEW_TARGET_EXISTS) when `dir` exists and is not an empty directory. */
async function checkTarget(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new ScaffoldError('NEW_TARGET_EXISTS', `${dir} exists and is not a directory; pick another --dir`);
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new ScaffoldError('NEW_TARGET_EXISTS', `${dir} is not empty (${entries.length} entries, e.g. ${entries.sort()[0]}); pick another --dir or remove it`);
  }
}

/** `%%key%%` → value; a placeholder without a value is a bug in a template, so it throws. */
function render(text: string, values: Record<string, string>, where: string): string {
  return text.replace(/%%([a-z_A-Z]+)%%/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new ScaffoldError('NEW_TEMPLATE', `template ${where} uses %%${key}%%, which has no value`);
    return value;
  });
}

/** The named sections of a TOML file, verbatim (header up to the next header, trailing comments and blank lines dropped). */
function tomlSections(text: string, names: string[]): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const name of names) {
    const start = lines.findIndex((l) => l.trim() === `[${name}]`);
    if (start < 0) throw new ScaffoldError('NEW_TEMPLATE', `guest-examples/rust/Cargo.toml has no [${name}] section`);
    let end = start + 1;
    while (end < lines.length && !lines[end].startsWith('[')) end++;
    while (end > start + 1 && /^\s*(#.*)?$/.test(lines[end - 1])) end--;
    out.push(lines.slice(start, end).join('\n'));
  }
  return out.join('\n\n');
}

interface Plan {
  title: string;
  /** template path (under templates/) → project path */
  files: [string, string][];
  sourceRow: string;
  devDependencies: Record<string, string>;
  /** Rewrites an SDK file while it is vendored; undefined leaves it out. */
  vendor: (relPath: string, text: Buffer) => Buffer | undefined;
  values: Record<string, string>;
}

function ownPackage(): { devDependencies: Record<string, string> } {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
}

function planFor(lang: Lang, kind: Kind): Plan {
  const keep = (_: string, text: Buffer) => text;
  const common: [string, string][] = [
    [`${lang}/build.mjs`, 'scripts/build.mjs'],
    [`${lang}/ci.yml`, '.github/workflows/ci.yml'],
  ];
  switch (lang) {
    case 'rust':
      return {
        title: 'Rust',
        files: [...common, ['rust/Cargo.toml', 'Cargo.toml'], [`rust/${kind}.rs`, 'src/lib.rs']],
        sourceRow: '`src/lib.rs`, `Cargo.toml`',
        devDependencies: {},
        // The SDK finds wit/ relative to its crate: in this repository three levels up, in a project one.
        vendor: (path, text) => (path.endsWith('.rs') ? Buffer.from(text.toString('utf8').replaceAll('"../../../wit"', '"../wit"')) : text),
        values: {
          workspace_sections: tomlSections(readFileSync(join(PACKAGE_ROOT, 'guest-examples', 'rust', 'Cargo.toml'), 'utf8'), [
            'workspace.package',
            'workspace.dependencies',
            'profile.release',
          ]),
        },
      };
    case 'go':
      return {
        title: 'Go',
        files: [...common, [`go/${kind}.go`, `${kind}.go`]],
        sourceRow: `\`${kind}.go\` (package main)`,
        devDependencies: {},
        // The SDK's own tests stay in the runtime's repository.
        vendor: (path, text) => (path.endsWith('_test.go') ? undefined : text),
        values: {},
      };
    case 'js': {
      const dev = ownPackage().devDependencies;
      const pins = ['@bytecodealliance/componentize-js', '@bytecodealliance/preview2-shim'];
      return {
        title: 'JavaScript',
        files: [...common, [`js/${kind}.js`, `src/${kind}.js`]],
        sourceRow: `\`src/${kind}.js\``,
        // The versions the runtime's own JS guests build with (and the preopen workaround is checked against).
        devDependencies: Object.fromEntries(pins.map((p) => [p, dev[p]])),
        vendor: keep,
        values: { componentize_version: dev['@bytecodealliance/componentize-js'] },
      };
    }
  }
}

const KIND_TEXT: Record<Kind, { config: object; configExample: (snake: string) => string; cases: string }> = {
  sink: {
    config: { prefix: '> ' },
    configExample: (snake) =>
      `[[sinks.${snake}.streams]]\nstream = "my_stream"\ntopics = ["my_topic"]\nschema = "json"\nconsumer_group = "${snake}"\n\n[sinks.${snake}.config]\nprefix = "> "`,
    cases: 'batches of 0, 1 and 10,000 messages, a 1 MiB payload, non-UTF-8 payloads, every header kind, unicode header keys',
  },
  source: {
    config: { count: 10 },
    configExample: (snake) =>
      `[[sources.${snake}.streams]]\nstream = "my_stream"\ntopic = "my_topic"\nschema = "json"\n\n[sources.${snake}.config]\ncount = 10`,
    cases: 'polls checked for their shape and their count, a restart from the last state',
  },
};

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name));
    if (/(^|\/)(target|node_modules|\.cache)\//.test(rel) || rel.endsWith('.wasm') || rel.endsWith('.stamp')) continue;
    out.push(rel);
  }
  return out.sort();
}

export async function scaffold(options: ScaffoldOptions): Promise<Scaffolded> {
  const { kind, lang, name } = options;
  if (!(KINDS as readonly string[]).includes(kind)) throw new ScaffoldError('NEW_KIND', `unknown connector kind "${kind}": use sink or source`);
  if (!(LANGS as readonly string[]).includes(lang)) throw new ScaffoldError('NEW_LANG', `unknown language "${lang}": use --lang rust, go or js`);
  checkName(name, lang as Lang);
  const dir = resolve(options.dir ?? name);
  await checkTarget(dir);

  const plan = planFor(lang as Lang, kind as Kind);
  const snake = snakeName(name);
  const component = `build/${snake}.wasm`;
  const values: Record<string, string> = {
    name,
    snake,
    kind,
    Kind: kind === 'sink' ? 'Sink' : 'Source',
    world: `${kind}-connector`,
    lang: plan.title,
    version: VERSION,
    source_row: plan.sourceRow,
    config_example: KIND_TEXT[kind as Kind].configExample(snake),
    cases: KIND_TEXT[kind as Kind].cases,
    ...plan.values,
  };
  const templates = join(PACKAGE_ROOT, 'templates');
  const files = new Map<string, Buffer | string>();
  const fromTemplate = async (template: string) => render(await readFile(join(templates, template), 'utf8'), values, template);

  for (const [template, target] of plan.files) files.set(target, await fromTemplate(template));
  values.build_notes = (await fromTemplate(`${lang}/build-notes.md`)).trimEnd();
  files.set('README.md', await fromTemplate('common/README.md'));
  // npm pack leaves out files named .gitignore, so the template has no leading dot.
  files.set('.gitignore', await fromTemplate('common/gitignore'));
  files.set('conformance.json', `${JSON.stringify(KIND_TEXT[kind as Kind].config, null, 2)}\n`);
  files.set(
    'package.json',
    `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        description: `An Apache Iggy ${kind} connector in ${plan.title}, built into a WebAssembly component`,
        type: 'module',
        scripts: {
          build: 'node scripts/build.mjs',
          test: `iggy-connectors test ${component} --kind ${kind} --config conformance.json`,
        },
        devDependencies: { 'iggy-connectors': options.runtime ?? `^${VERSION}`, ...plan.devDependencies },
      },
      null,
      2,
    )}\n`,
  );
  for (const file of await listTree(join(PACKAGE_ROOT, 'wit'))) files.set(join('wit', file), await readFile(join(PACKAGE_ROOT, 'wit', file)));
  const sdk = join(PACKAGE_ROOT, 'guest-examples', lang, 'sdk');
  if (!existsSync(sdk)) throw new ScaffoldError('NEW_TEMPLATE', `the ${plan.title} SDK is missing from this installation (${sdk})`);
  for (const file of await listTree(sdk)) {
    const text = plan.vendor(file, await readFile(join(sdk, file)));
    if (text !== undefined) files.set(join('sdk', file), text);
  }

  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, kind: kind as Kind, lang: lang as Lang, name, component, files: [...files.keys()].sort() };
}

export const newCommand: Command = {
  name: 'new',
  summary: 'write a new connector project (Rust, Go or JavaScript) that builds and passes the conformance kit',
  help: `Usage: iggy-connectors new sink|source --lang rust|go|js <name> [options]

Writes a connector project into ./<name> (or --dir): the connector source, the
SDK and the WIT contract (vendored), a build script (npm run build), the
conformance kit as its test (npm test), a README and a GitHub Actions workflow.
The name becomes the package (and crate) name and build/<name_with_underscores>.wasm.

Options:
  --lang rust|go|js   the connector's language (required)
  --dir <dir>         where to write the project; it must not exist or be empty (default: ./<name>)
  --runtime <spec>    the version spec of the iggy-connectors dev dependency in the project's
                      package.json, e.g. file:../iggy-connectors-${VERSION}.tgz (default: ^${VERSION})

Then: cd <dir> && npm install && npm run build && npm test`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      'new',
      args,
      { lang: { type: 'string', short: 'l' }, dir: { type: 'string', short: 'd' }, runtime: { type: 'string' } },
      true,
    );
    if (positionals.length !== 2) {
      throw new CliUsageError(
        'new: give the kind and the name, e.g. `iggy-connectors new sink --lang rust my-sink`\nRun `iggy-connectors new --help` for usage.',
      );
    }
    if (values.lang === undefined) throw new CliUsageError('new: --lang rust|go|js is required');
    const [kind, name] = positionals;
    const made = await scaffold({
      kind,
      lang: values.lang,
      name,
      ...(values.dir !== undefined ? { dir: values.dir } : {}),
      ...(values.runtime !== undefined ? { runtime: values.runtime } : {}),
    });
    const shown = relative(process.cwd(), made.dir) || '.';
    process.stdout.write(
      [
        `created the ${made.kind} ${made.name} (${made.lang}) in ${shown}: ${made.files.length} files`,
        '',
        `  cd ${shown}`,
        '  npm install     # iggy-connectors (the conformance kit)' + (made.lang === 'js' ? ' and componentize-js' : ''),
        `  npm run build   # -> ${made.component}`,
        `  npm test        # iggy-connectors test ${made.component}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
