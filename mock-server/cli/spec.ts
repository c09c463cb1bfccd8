/**
 * The CLI's declarative shape: each command declares its options once (OptionSpec), and both the
 * node:util parseArgs configuration and the `--help` text are made from that declaration, so the two
 * cannot disagree. This module and the tables (options.ts, commands.ts) load nothing of the mock:
 * a command's module is imported only once it is chosen (cli.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../suggest.js';

/** One flag. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help (N, PATH, URL…); default: the choices joined by `|`. */
  arg?: string;
  short?: string;
  /** Accepted more than once; the command gets every value, in order. */
  repeatable?: boolean;
  /** An integer from min to max, refused otherwise; the command gets a number. */
  int?: readonly [min: number, max: number];
  /** The only values accepted. */
  choices?: readonly string[];
  /** What the flag does (the help wraps it). */
  help: string;
  /** The default as the help shows it (the command applies it). */
  default?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The values of a table's flags as a command receives them (absent when not given). */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { repeatable: true }
      ? string[]
      : T[K] extends { int: readonly [number, number] }
        ? number
        : string;
};

/** A parsed command line, handed to the chosen command's module. */
export interface Invocation<T extends OptionTable = OptionTable> {
  command: string;
  /** The arguments after the command name (use-coupon's coupon id, export's file…). */
  operands: string[];
  values: OptionValues<T>;
  /** exec: the command line after `--`, untouched. */
  rest: string[];
}

/** What a command's module exports. */
export interface CommandModule<T extends OptionTable = OptionTable> {
  run(invocation: Invocation<T>): Promise<number>;
}

export interface CommandSpec<T extends OptionTable = OptionTable> {
  name: string;
  /** The synopsis after `wxpay-mock`; default: the name, then each option (or `[options]` when many). */
  usage?: string;
  /** What the command does, for the list of commands and the top of its help. */
  summary: string;
  /** More for its own help: exit statuses, what it needs. */
  details?: string;
  options: T;
  /** exec: everything after the first `--` is the command to run, not parsed. */
  passThrough?: boolean;
  /** Why the operands (and exec's command line) are wrong, or nothing when they are right. */
  checkOperands(operands: string[], rest: string[]): string | undefined;
  /** The command's module, imported only when it runs. */
  load(): Promise<CommandModule<T>>;
}

/** A command with its option table's literal type kept (for the module's Invocation). */
export const command = <const T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> => spec;

/** A bad command line: the CLI prints it with a pointer to the help and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to point at; none: the overview. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h', help: 'this text' },
  version: { type: 'boolean', short: 'v', help: 'the version' },
} as const satisfies OptionTable;

const parseArgsOptions = (table: OptionTable): NonNullable<ParseArgsConfig['options']> =>
  Object.fromEntries(
    Object.entries(table).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.repeatable ? { multiple: true } : {}) },
    ]),
  );

/** Every command's flags at once: how the command name is found among the flags and their values. */
function unionOf(commands: readonly CommandSpec[]): OptionTable {
  const union: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const c of commands)
    for (const [name, o] of Object.entries(c.options)) {
      const seen = union[name];
      // One name, one shape: `--x V` must split the same way whichever command is meant.
      if (seen && (seen.type !== o.type || !seen.repeatable !== !o.repeatable || seen.short !== o.short))
        throw new Error(`option --${name} is declared with two shapes`);
      union[name] = o;
    }
  return union;
}

/** The commands that declare `--name`, for a flag given to a command that does not take it. */
const ownersOf = (name: string, commands: readonly CommandSpec[]) => commands.filter((c) => name in c.options).map((c) => c.name);

/** parseArgs' refusal as a usage error: an unknown flag names the nearest one of the command, or the commands that take it. */
function refusal(
  err: Error & { code?: string },
  known: OptionTable,
  commands: readonly CommandSpec[],
  command: string | undefined,
  helpOf: string | undefined,
): UsageError {
  const flag = /Unknown option '(-{1,2}[^']*)'/.exec(err.message)?.[1];
  if (err.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !flag) return new UsageError(err.message, helpOf);
  const name = flag.replace(/^-+/, '').replace(/=.*$/, '');
  const hint = didYouMean(name, Object.keys(known), '--');
  const owners = command === undefined ? [] : ownersOf(name, commands);
  const where = !hint && owners.length ? ` (an option of ${owners.join(', ')}, not of ${command})` : '';
  return new UsageError(`unknown option ${flag}${hint}${where}`, helpOf);
}

/** Choices and integer ranges, as the table declares them; integers become numbers. */
function checkValues(table: OptionTable, values: Record<string, unknown>, command: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [name, o] of Object.entries(table)) {
    const value = values[name];
    if (typeof value !== 'string') continue;
    if (o.choices && !o.choices.includes(value)) throw new UsageError(`--${name} must be ${o.choices.join(', ')}, got "${value}"`, command);
    if (o.int) {
      const [min, max] = o.int;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
        throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`, command);
      out[name] = Number(value);
    }
  }
  return out;
}

export type Parsed =
  | { kind: 'help'; command?: CommandSpec }
  | { kind: 'version' }
  /** helpOf: the command a usage error points at (none when `start` was not named). */
  | { kind: 'run'; spec: CommandSpec; invocation: Invocation; helpOf?: string };

/**
 * The command line, read as: the first operand names the command (`start` when there is none), the
 * flags are that command's. Throws UsageError.
 */
export function parseCommandLine(argv: string[], commands: readonly CommandSpec[], defaultCommand = 'start'): Parsed {
  const union = unionOf(commands);
  // A lenient pass over every command's flags finds the command name among the flags' values.
  const { tokens } = parseArgs({ args: argv, options: parseArgsOptions(union), strict: false, allowPositionals: true, tokens: true });
  const named = tokens.find((t) => t.kind === 'positional');
  const spec = commands.find((c) => c.name === (named?.value ?? defaultCommand));
  if (!spec) {
    // Not a command: a wrong flag is reported first, as for any command, then the name.
    try {
      parseArgs({ args: argv, options: parseArgsOptions(union), strict: true, allowPositionals: true });
    } catch (err) {
      throw refusal(err as Error, union, commands, undefined, undefined);
    }
    const names = commands.map((c) => c.name);
    throw new UsageError(`unknown command "${named!.value}"${didYouMean(named!.value, names)}`);
  }
  const at = named?.index ?? -1;
  const dashes = spec.passThrough ? argv.indexOf('--', at + 1) : -1;
  const own = (dashes === -1 ? argv : argv.slice(0, dashes)).filter((_, i) => i !== at);
  const rest = dashes === -1 ? [] : argv.slice(dashes + 1);
  // Named explicitly: errors point at its own help; `wxpay-mock --prot 0` at the overview.
  const helpOf = named ? spec.name : undefined;
  const table = { ...spec.options, ...GLOBAL_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: parseArgsOptions(table), strict: true, allowPositionals: true });
  } catch (err) {
    throw refusal(err as Error, table, commands, spec.name, helpOf);
  }
  if (parsed.values.help) return { kind: 'help', command: named ? spec : undefined };
  if (parsed.values.version) return { kind: 'version' };
  const operands = parsed.positionals;
  const wrong = spec.checkOperands(operands, rest);
  if (wrong) throw new UsageError(wrong, helpOf);
  const values = checkValues(spec.options, parsed.values, helpOf);
  return { kind: 'run', spec, invocation: { command: spec.name, operands, values: values as Invocation['values'], rest }, helpOf };
}

// --- help -------------------------------------------------------------------------------------------

const WIDTH = 104;
const FLAG_COLUMN = 27;

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** `label` in a column, `text` wrapped beside it. */
function column(label: string, text: string, at: number): string[] {
  const lines = wrap(text, WIDTH - at);
  const head = label.length + 4 <= at ? `  ${label}`.padEnd(at) + (lines[0] ?? '') : `  ${label}\n${' '.repeat(at)}${lines[0] ?? ''}`;
  return [head.trimEnd(), ...lines.slice(1).map((l) => ' '.repeat(at) + l)];
}

const KEEP = '\u0000';

const argOf = (o: OptionSpec) => (o.type === 'boolean' ? '' : ` ${o.arg ?? o.choices?.join('|') ?? 'VALUE'}`);

/** `-h, --help`, `--port N`. */
const flagLabel = (name: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${name}${argOf(o)}`;

function optionLines(table: OptionTable): string[] {
  return Object.entries(table).flatMap(([name, o]) => {
    // A note is not broken across lines (KEEP joins its words until the text is wrapped).
    const notes = [o.default !== undefined ? `[default: ${o.default}]` : '', o.repeatable ? '[repeatable]' : ''].map((n) =>
      n.replaceAll(' ', KEEP),
    );
    return column(flagLabel(name, o), [o.help, ...notes].filter(Boolean).join(' '), FLAG_COLUMN).map((l) => l.replaceAll(KEEP, ' '));
  });
}

/** Commands with few flags list them in the synopsis, as `[--url URL]`. */
const SYNOPSIS_FLAGS = 6;

export function synopsis(spec: CommandSpec): string {
  if (spec.usage) return `wxpay-mock ${spec.usage}`;
  const flags = Object.entries(spec.options);
  const listed = flags.length <= SYNOPSIS_FLAGS ? flags.map(([name, o]) => `[--${name}${argOf(o)}]`).join(' ') : '[options]';
  return `wxpay-mock ${spec.name} ${listed}`.trimEnd();
}

/** `wxpay-mock <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: ${synopsis(spec)}`,
    '',
    ...wrap(spec.summary, WIDTH),
    ...(spec.details ? ['', ...wrap(spec.details, WIDTH)] : []),
    '',
    'Options:',
    ...optionLines(spec.options),
    ...optionLines(GLOBAL_OPTIONS),
  ].join('\n');
}

/** `wxpay-mock --help`: every command, one paragraph each. */
export function overviewHelp(commands: readonly CommandSpec[], head: string, foot: string): string {
  return [
    head,
    '',
    'Usage:',
    ...commands.flatMap((c) => [`  ${synopsis(c)}`, ...wrap(c.summary, WIDTH - 6).map((l) => `      ${l}`)]),
    '',
    'Options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run "wxpay-mock <command> --help" for the options of a command.',
    ...(foot ? ['', foot] : []),
  ].join('\n');
}
