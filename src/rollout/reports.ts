import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments, type Document } from 'yaml';
import { readAtMost } from '../bounded-read';
import { UserError, isAliasLimitError } from '../errors';
import { INPUT_FIELD, formatFieldPath, fromJsonPointer } from '../model/field-path';

/** A result's outcome, as `wgpolicyk8s.io/v1alpha2` and `openreports.io/v1alpha1` both spell it. */
export const RESULT_STATUSES = ['pass', 'fail', 'warn', 'error', 'skip'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** The report kinds Kyverno writes: the policy working group's, or OpenReports' when configured to. */
const REPORT_KINDS: Readonly<Record<string, readonly string[]>> = {
  'wgpolicyk8s.io/v1alpha2': ['PolicyReport', 'ClusterPolicyReport'],
  'openreports.io/v1alpha1': ['Report', 'ClusterReport'],
};

interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
}

interface RawResult {
  policy: string;
  rule?: string;
  result: ResultStatus;
  source?: string;
  message?: string;
  properties?: Record<string, string>;
  resources?: ObjectReference[];
}

interface RawReport {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  source?: string;
  scope?: ObjectReference;
  results?: RawResult[];
}

/** One result of one report, flattened: what readiness needs from it. */
export interface ReportedResult {
  readonly policy: string;
  /** Rule name; empty when the result has none. */
  readonly rule: string;
  readonly status: ResultStatus;
  /** The engine that produced it (`kyverno`, `KyvernoImageValidatingPolicy`, …), from the result or its report. */
  readonly source?: string;
  /** The checked resource: the result's first subject, else the report's scope (Kyverno's per-resource reports). */
  readonly resource?: { readonly namespace?: string; readonly kind?: string; readonly name?: string };
  readonly message?: string;
  readonly properties: Readonly<Record<string, string>>;
}

/** The input could not be read as policy reports; the message says why. Exit code 2: unusable input. */
export class ReportInputError extends UserError {
  constructor(message: string) {
    super(message, 2);
  }
}

// Only the fields readiness reads are checked (the CRDs allow more), so a real export is never rejected for extras.
const objectReference = {
  type: 'object',
  properties: { kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } },
};
const reportSchema = {
  type: 'object',
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    source: { type: 'string' },
    scope: objectReference,
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['policy', 'result'],
        properties: {
          policy: { type: 'string' },
          rule: { type: 'string' },
          result: { enum: [...RESULT_STATUSES] },
          source: { type: 'string' },
          message: { type: 'string' },
          properties: { type: 'object', additionalProperties: { type: 'string' } },
          resources: { type: 'array', items: objectReference },
        },
      },
    },
  },
};
/** Compiled on first use: every command shares one bundle, and only `readiness` reads reports. */
let reportValidator: ValidateFunction<RawReport> | undefined;
const validateReport = (value: unknown): value is RawReport => {
  reportValidator ??= new Ajv({ allErrors: false }).compile<RawReport>(reportSchema);
  return reportValidator(value);
};

/** The largest report export readiness reads: a bigger one would take minutes and gigabytes to parse. */
export const MAX_REPORTS_BYTES = 64 * 1024 * 1024;

/**
 * Reads a report export from a file, or from stdin for `-` (`kubectl get … -o json | … --reports -`), refusing
 * input larger than MAX_REPORTS_BYTES before holding more of it in memory. Returns the text and the input's
 * name for messages.
 */
export function readReportsInput(source: string): { text: string; name: string } {
  const name = source === '-' ? 'stdin' : source;
  const bytes = readAtMost(source, MAX_REPORTS_BYTES, name);
  if (bytes === undefined) {
    throw new ReportInputError(
      `${name} is larger than ${MAX_REPORTS_BYTES / 1024 / 1024} MiB: export the reports in parts (e.g. per namespace, \`-n <namespace>\`) and judge each`,
    );
  }
  return { text: bytes.toString('utf8'), name };
}

/**
 * Reads exported policy reports: JSON or YAML (one or more documents), each a report or a `List` of reports
 * (`kubectl get policyreports,clusterpolicyreports -A -o json|yaml`). Throws ReportInputError naming the
 * input (`source`), document and field when something is not a report this tool understands.
 */
export function parseReports(text: string, source = 'input'): ReportedResult[] {
  const documents = parseAllDocuments(text, { prettyErrors: false });
  const reports: { where: string; value: unknown }[] = [];
  for (const [index, doc] of documents.entries()) {
    const where = documents.length > 1 ? `${source}: document ${index + 1}` : source;
    const error = doc.errors[0];
    if (error) throw new ReportInputError(`${where}: not valid JSON or YAML: ${error.message.split('\n')[0]}`);
    const value: unknown = toJS(doc, where);
    if (value === null) continue;
    if (isList(value)) reports.push(...value.items.map((item, i) => ({ where: `${where}: items[${i}]`, value: item })));
    else reports.push({ where, value });
  }
  // An empty List is a valid export (no reports yet); an empty file is more likely a failed export.
  if (documents.every((doc) => doc.contents === null)) throw new ReportInputError(`${source} is empty`);
  return reports.flatMap(({ where, value }) => resultsOf(checkReport(value, where)));
}

/** A document's value; an alias bomb (aliases expanding beyond the parser's limit) is refused as input. */
function toJS(doc: Document, where: string): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    if (!isAliasLimitError(error)) throw error;
    throw new ReportInputError(
      `${where}: expands more YAML aliases (*name) than is safe (an alias bomb?): export the reports as JSON again`,
    );
  }
}

function isList(value: unknown): value is { items: unknown[] } {
  const v = value as { kind?: unknown; items?: unknown };
  return typeof v === 'object' && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
}

function checkReport(value: unknown, where: string): RawReport {
  if (!validateReport(value)) {
    const e = reportValidator!.errors![0];
    const field = formatFieldPath(fromJsonPointer(e.instancePath), INPUT_FIELD);
    const problem = e.keyword === 'enum' ? `must be one of ${RESULT_STATUSES.join(', ')}` : e.message;
    throw new ReportInputError(`${where}: ${field}: ${problem}`);
  }
  const kinds = REPORT_KINDS[value.apiVersion];
  if (!kinds?.includes(value.kind)) {
    const known = Object.entries(REPORT_KINDS).flatMap(([apiVersion, ks]) => ks.map((k) => `${apiVersion} ${k}`));
    throw new ReportInputError(`${where}: ${value.apiVersion} ${value.kind} is not a policy report (expected one of: ${known.join(', ')})`);
  }
  return value;
}

function resultsOf(report: RawReport): ReportedResult[] {
  return (report.results ?? []).map((r) => {
    const resource = r.resources?.[0] ?? report.scope;
    return {
      policy: r.policy,
      rule: r.rule ?? '',
      status: r.result,
      source: r.source || report.source || undefined,
      resource: resource && { namespace: resource.namespace, kind: resource.kind, name: resource.name },
      message: r.message,
      properties: r.properties ?? {},
    };
  });
}
