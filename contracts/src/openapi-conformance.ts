/**
 * Checks an observed answer against the edge's OpenAPI document: the operation that a method and
 * concrete path match, and whether it documents the status. Used by the edge tests' Worker entry
 * (every response of every edge test) and by the typed client's strict mode (integration tests).
 */
export type OpenApiDoc = { paths?: Record<string, Record<string, { responses?: Record<string, unknown>; 'x-undeclared'?: boolean } | undefined> | undefined> };

type Matcher = { re: RegExp; template: string; literal: number };
const matchers = new WeakMap<object, Matcher[]>();

function compile(doc: OpenApiDoc): Matcher[] {
  let m = matchers.get(doc);
  if (m) return m;
  m = Object.keys(doc.paths ?? {}).map((template) => ({
    template,
    // Exact, as Hono routes (strict: `/admin/` is not `/admin`).
    re: new RegExp(`^${template.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    // A literal segment beats a parameter (/v1/courses/hot before /v1/courses/{courseId}).
    literal: template.split('/').filter((s) => s && !s.startsWith('{')).length,
  }));
  m.sort((a, b) => b.literal - a.literal);
  matchers.set(doc, m);
  return m;
}

export type Conformance =
  | { kind: 'documented'; template: string }
  | { kind: 'undeclared'; template: string }
  | { kind: 'no_operation' }
  | { kind: 'undocumented_status'; template: string; documented: string[] };

export function checkAnswer(doc: OpenApiDoc, method: string, pathname: string, status: number): Conformance {
  const op = method.toLowerCase();
  for (const { re, template } of compile(doc)) {
    if (!re.test(pathname)) continue;
    const operation = doc.paths?.[template]?.[op];
    if (!operation) continue;
    if (operation['x-undeclared']) return { kind: 'undeclared', template };
    const documented = Object.keys(operation.responses ?? {});
    if (documented.includes(String(status)) || documented.includes(`${String(status)[0]}XX`) || documented.includes('default')) return { kind: 'documented', template };
    return { kind: 'undocumented_status', template, documented };
  }
  return { kind: 'no_operation' };
}
