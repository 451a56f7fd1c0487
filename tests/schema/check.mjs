#!/usr/bin/env node
// Checks the protocol's JSON Schemas (api/schemas/) against its examples:
//   - api/schemas/generate.mjs reproduces the checked-in schemas byte for byte;
//   - every api/examples/*.json is valid (an array against report-batch.v1.json,
//     an object against report.v1.json), every line of api/examples/*.ndjson too;
//   - every api/examples/invalid/*.json is invalid, and the JSON Pointers its
//     sibling .expect file lists are exactly the members the errors name.
// Prints "ok - ..." / "not ok - ..." and "N passed, N failed"; exit 1 on any failure.
//
//   npm ci --prefix tests/schema     (once)
//   node tests/schema/check.mjs      (from anywhere)

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const SCHEMAS = join(ROOT, "api", "schemas");
const EXAMPLES = join(ROOT, "api", "examples");
const INVALID = join(EXAMPLES, "invalid");
const rel = (p) => relative(ROOT, p);

let Ajv2020, addFormats;
try {
  Ajv2020 = (await import("ajv/dist/2020.js")).default;
  addFormats = (await import("ajv-formats")).default;
} catch (e) {
  console.error(`cannot load ajv (${e.code ?? e.message}); run: npm ci --prefix ${rel(HERE) || "."}`);
  process.exit(2);
}

let passed = 0;
let failed = 0;
const ok = (what) => { passed++; console.log(`ok - ${what}`); };
const notOk = (what, detail = []) => {
  failed++;
  console.log(`not ok - ${what}`);
  for (const line of [].concat(detail)) console.log(`#   ${line}`);
};
const check = (cond, what, detail) => (cond ? ok(what) : notOk(what, detail));

const sorted = (dir, suffix) => readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

// 1. Drift: the generator must reproduce the checked-in schemas.
const { outputs } = await import(pathToFileURL(join(SCHEMAS, "generate.mjs")).href);
const generated = outputs();
for (const [name, text] of Object.entries(generated)) {
  let onDisk = null;
  try { onDisk = readFileSync(join(SCHEMAS, name), "utf8"); } catch { /* missing */ }
  check(onDisk === text, `api/schemas/generate.mjs reproduces api/schemas/${name}`,
    onDisk === null ? "file missing" : "differs; run: node api/schemas/generate.mjs");
}
const schemaFiles = sorted(SCHEMAS, ".json");
check(schemaFiles.every((f) => f in generated), "every api/schemas/*.json comes from generate.mjs",
  schemaFiles.filter((f) => !(f in generated)).map((f) => `not generated: ${f}`));

// 2. The schemas themselves: valid 2020-12 schemas, compiled in strict mode.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
let validateReport, validateBatch;
try {
  for (const f of schemaFiles) ajv.addSchema(readJson(join(SCHEMAS, f)));
  validateReport = ajv.getSchema("https://partnership-data-hub.invalid/schemas/report.v1.json");
  validateBatch = ajv.getSchema("https://partnership-data-hub.invalid/schemas/report-batch.v1.json");
  check(validateReport && validateBatch, "the schemas compile (draft 2020-12, ajv strict mode)",
    "report.v1.json or report-batch.v1.json not found by $id");
} catch (e) {
  notOk("the schemas compile (draft 2020-12, ajv strict mode)", e.message);
}
if (!validateReport || !validateBatch) finish();

// The JSON Pointers (RFC 6901) of the members an ajv error is about.
const escape = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
function pointers(errors) {
  const out = new Set();
  for (const e of errors ?? []) {
    if (["if", "allOf", "anyOf", "oneOf", "not"].includes(e.keyword)) continue; // wrappers of the real error
    if (e.keyword === "additionalProperties") out.add(`${e.instancePath}/${escape(e.params.additionalProperty)}`);
    else if (e.keyword === "required") out.add(`${e.instancePath}/${escape(e.params.missingProperty)}`);
    else out.add(e.instancePath);
  }
  return [...out].sort();
}
const explain = (errors) => (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);

// 3. Valid examples.
const examples = sorted(EXAMPLES, ".json");
check(examples.length > 0, "there are examples in api/examples");
for (const f of examples) {
  const file = join(EXAMPLES, f);
  let doc;
  try { doc = readJson(file); } catch (e) { notOk(`${rel(file)} parses`, e.message); continue; }
  const [validate, kind] = Array.isArray(doc) ? [validateBatch, "batch"] : [validateReport, "report"];
  check(validate(doc), `${rel(file)} is a valid ${kind}`, explain(validate.errors));
}
for (const f of sorted(EXAMPLES, ".ndjson")) {
  const file = join(EXAMPLES, f);
  const text = readFileSync(file, "utf8");
  check(text.endsWith("\n"), `${rel(file)} ends with a newline`);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  check(lines.length > 0, `${rel(file)} has lines`);
  lines.forEach((line, n) => {
    const what = `${rel(file)} line ${n + 1} is a valid report`;
    let doc;
    try { doc = JSON.parse(line); } catch (e) { notOk(what, e.message); return; }
    check(!Array.isArray(doc) && validateReport(doc), what, explain(validateReport.errors));
  });
}

// 4. Invalid examples: each must fail, naming exactly the pointers in its .expect.
const invalid = sorted(INVALID, ".json");
check(invalid.length > 0, "there are invalid examples in api/examples/invalid");
const expects = new Set(sorted(INVALID, ".expect"));
for (const e of expects) {
  check(invalid.includes(e.replace(/\.expect$/, ".json")), `${rel(join(INVALID, e))} has a sibling .json`);
}
for (const f of invalid) {
  const file = join(INVALID, f);
  const expectName = f.replace(/\.json$/, ".expect");
  let doc;
  try { doc = readJson(file); } catch (e) { notOk(`${rel(file)} parses`, e.message); continue; }
  const valid = validateReport(doc);
  const got = pointers(validateReport.errors);
  check(!valid, `${rel(file)} is rejected`, "the schema accepts it");
  if (!expects.has(expectName)) { notOk(`${rel(file)} has a sibling ${expectName}`); continue; }
  const want = readFileSync(join(INVALID, expectName), "utf8").split("\n").map((l) => l.trim()).filter(Boolean).sort();
  check(want.length > 0 && !valid && JSON.stringify(got) === JSON.stringify(want),
    `${rel(file)} is rejected at ${want.join(", ") || "(nothing expected)"}`,
    [`expected: ${want.join(" ") || "-"}`, `errors at: ${got.join(" ") || "-"}`, ...explain(validateReport.errors)]);
}

finish();

function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
