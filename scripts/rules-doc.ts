/**
 * docs/reference/rules.md from test/data/rules.json (the rules audit, issue 13): the count and one table
 * row per documented rule. `npx tsx scripts/docs-rules.ts` writes it; test/rules-audit.test.ts fails when the file
 * is not what this renders (a row or gap changed without the doc).
 */

interface Row {
  id: string;
  rule: string;
  source: string;
  expect: {
    status: number;
    code?: string;
    message?: string | null;
    field?: string;
    is?: Record<string, unknown>;
    none?: string;
    empty?: boolean;
  };
  strict?: boolean;
  gap?: string;
  note?: string;
}

/** Table sections by id prefix, in the order of the file. */
const SECTIONS: [RegExp, string][] = [
  [/^P\d/, 'Protocol (every family)'],
  [/^C\d/, '代金券: create a stock (§2.1)'],
  [/^(ST|PA|RS|T)\d/, '代金券: start, pause, restart, stop (§2.2–2.4, §6)'],
  [/^SE\d/, '代金券: send a coupon (§2.5)'],
  [/^(L|D)\d/, '代金券: stock list and detail (§2.6, §2.7)'],
  [/^(CD|U)\d/, "代金券: coupon detail and a user's coupons (§2.8, §2.11)"],
  [/^(M|I)\d/, '代金券: available merchants and items (§2.9, §2.10)'],
  [/^(UF|RF)\d/, '代金券: use-flow and refund-flow (§2.12)'],
  [/^CB\d/, '代金券: notify URL (§2.13)'],
  [/^IU\d/, '图片上传: marketing image upload (§2.15)'],
  [/^(PG|GA|LA|AM|AG|TA|MA|MD)\d/, '支付有礼 (§3)'],
  [/^(B|PL|PT)\d/, '委托营销 (§4)'],
];

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '\\n');
const code = (text: string) => `\`${cell(text).replace(/`/g, 'ˋ')}\``;

/** The documented answer, as the row asserts it. */
function answer(e: Row['expect']): string {
  if (e.empty) return `${e.status}, empty body`;
  if (e.status === 200) {
    const parts = ['200'];
    for (const [path, value] of Object.entries(e.is ?? {})) parts.push(`${code(path)} = ${code(JSON.stringify(value))}`);
    if (e.field) parts.push(`the first reply's ${code(e.field)}`);
    if (e.none) parts.push(`nothing at ${code(e.none)}`);
    return parts.join(', ');
  }
  const words = [String(e.status), e.code ?? '(code not documented)'];
  if (typeof e.message === 'string') words.push(code(e.message));
  else if (e.code) words.push('(text not documented)');
  return words.join(' ');
}

export function rulesDoc(rules: Row[]): string {
  const gaps = rules.filter((r) => r.gap);
  const enforced = rules.length - gaps.length;
  const percent = ((100 * enforced) / rules.length).toFixed(1);
  const lines = [
    '# The documented rules and what the mock answers (rules audit)',
    '',
    '<!-- Generated from test/data/rules.json by `npx tsx scripts/docs-rules.ts`; test/rules-audit.test.ts checks it. -->',
    '',
    `**${enforced} of ${rules.length} documented rules enforced with the documented status, code and message (${percent}%).**`,
    '',
    'Every rule the fact sheet `api-reference.md` (three families and the common protocol: field limits — required,',
    'length, pattern, range, enum —, business rules, error codes and messages per endpoint, the state rules of §6)',
    'and the developer guides\u2019 FAQs (seed 000 代金券, 001 支付有礼, 002 委托营销) state, numbered, with its source',
    '(section and line of `api-reference.md`, or the FAQ). `test/rules-audit.test.ts` sends the violating request of',
    'each row (signed, through the mock\u2019s HTTP surface, the control API for the clock, fixture merchants and users)',
    'and asserts the status, code and message below; a gap row runs as an expected failure, so fixing it fails the',
    'test until the row loses its gap. "(text not documented)": the docs give a code but no text for that rule — any',
    'text passes (the mock answers the real server\u2019s generic wording, see [contracts](contracts.md)); "(code not',
    'documented)": the docs name no code, any of that status passes. Rows marked "strict" run with the checks the',
    '`strict` [fidelity profile](programmatic-api.md#fidelity) adds (rate limits, the notify-URL probe, the stock',
    'images’ pixel sizes). Where sources disagree the row says which one the mock follows; the',
    'settled disagreements are also in [fidelity.md](fidelity.md).',
    '',
    'Not counted: the rules of the COUPON.USE delivery (answer within 5 s, retries once a minute 9 times — tested in',
    '`test/callbacks.test.ts`), reply field shapes (validated against the reply contracts on every reply), and',
    'rules no request can violate (e.g. "no improper content" in a stock name).',
    '',
    `## Gaps (${gaps.length})`,
    '',
    ...(gaps.length
      ? [
          '| # | Rule | Why the mock does not answer it |',
          '|---|---|---|',
          ...gaps.map((r) => `| ${r.id} | ${cell(r.rule)} | ${cell(r.gap!)} |`),
        ]
      : ['None: the mock answers every documented rule as documented (a rule it stops answering so fails its case).']),
  ];
  for (const [pattern, title] of SECTIONS) {
    const rows = rules.filter((r) => pattern.test(r.id));
    if (rows.length === 0) continue;
    lines.push('', `## ${title}`, '', '| # | Rule | Source | Documented answer | The mock |', '|---|---|---|---|---|');
    for (const r of rows) {
      const documented = answer(r.expect) + (r.note ? ` — ${cell(r.note)}` : '');
      const mock = r.gap ? `✗ gap: ${cell(r.gap)}` : '✓ same';
      lines.push(`| ${r.id}${r.strict ? ' strict' : ''} | ${cell(r.rule)} | ${cell(r.source)} | ${documented} | ${mock} |`);
    }
  }
  const listed = SECTIONS.reduce((n, [pattern]) => n + rules.filter((r) => pattern.test(r.id)).length, 0);
  if (listed !== rules.length) throw new Error(`rules-doc: ${rules.length - listed} rows have an id no section takes`);
  return `${lines.join('\n')}\n`;
}
