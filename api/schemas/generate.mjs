#!/usr/bin/env node
// Generates the JSON Schemas of the protocol `harassment-report/1` from the
// code lists in api/codes/*.csv, so that the schemas cannot drift from them.
//
//   node api/schemas/generate.mjs           write report.v1.json and report-batch.v1.json
//   node api/schemas/generate.mjs --check   exit 1 if the checked-in files differ
//
// No dependencies. The output is deterministic (key order as written here,
// codes in CSV order, two-space indent, trailing newline).

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
export const CODES_DIR = join(SCHEMA_DIR, "..", "codes");
const BASE = "https://partnership-data-hub.invalid/schemas/";
const PROTOCOL = "harassment-report/1";

// RFC 4180: fields separated by commas, records by CRLF or LF; a field in
// double quotes may hold commas, line breaks and doubled quotes ("").
export function parseCsv(text, name = "csv") {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [];
  let field = "";
  let i = 0;
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // the current field was quoted (only a separator may follow)
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; wasQuoted = true; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === ",") { row.push(field); field = ""; wasQuoted = false; i++; continue; }
    if (c === "\r" || c === "\n") {
      row.push(field); rows.push(row); row = []; field = ""; wasQuoted = false;
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    if (wasQuoted) throw new Error(`${name}: character after closing quote in record ${rows.length + 1}`);
    if (c === '"') {
      if (field !== "") throw new Error(`${name}: quote inside unquoted field in record ${rows.length + 1}`);
      quoted = true; i++; continue;
    }
    field += c; i++;
  }
  if (quoted) throw new Error(`${name}: unterminated quoted field`);
  if (field !== "" || wasQuoted || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

// One code list: [{code, label, ...}] in file order, checked for shape.
export function readCodes(list) {
  const file = join(CODES_DIR, `${list}.csv`);
  const rows = parseCsv(readFileSync(file, "utf8"), `${list}.csv`);
  const [header, ...records] = rows;
  if (!header || header[0] !== "code" || header[1] !== "label")
    throw new Error(`${list}.csv: header must start with code,label`);
  const seen = new Set();
  const out = records.map((r, n) => {
    if (r.length !== header.length)
      throw new Error(`${list}.csv: record ${n + 2} has ${r.length} fields, header has ${header.length}`);
    const rec = Object.fromEntries(header.map((h, k) => [h, r[k]]));
    if (!/^[A-Za-z0-9_+-]{1,64}$/.test(rec.code))
      throw new Error(`${list}.csv: record ${n + 2}: bad code ${JSON.stringify(rec.code)}`);
    if (seen.has(rec.code)) throw new Error(`${list}.csv: duplicate code ${rec.code}`);
    seen.add(rec.code);
    return rec;
  });
  if (out.length === 0) throw new Error(`${list}.csv: no codes`);
  return out;
}

const codeList = (list, title, extra = {}) => {
  const codes = readCodes(list);
  return {
    title,
    $comment: `Generated from api/codes/${list}.csv (labels there and at GET /v1/codes/${list}).`,
    type: "string",
    ...extra,
    enum: codes.map((c) => c.code),
  };
};

export function buildReportSchema() {
  const ons = readCodes("ethnic_group");
  const police = readCodes("ethnic_police");
  const nhs = readCodes("ethnic_nhs");
  // Every crosswalk target must be an ONS 2021 code.
  const onsCodes = new Set(ons.map((c) => c.code));
  for (const [list, rows] of [["ethnic_police", police], ["ethnic_nhs", nhs]])
    for (const r of rows)
      if (!onsCodes.has(r.ons_code)) throw new Error(`${list}.csv: ${r.code} maps to unknown ONS code ${r.ons_code}`);
  const schemes = readCodes("ethnic_scheme").map((c) => c.code);
  for (const s of ["ons2021", "police", "nhs"])
    if (!schemes.includes(s)) throw new Error(`ethnic_scheme.csv: scheme ${s} missing`);
  if (schemes.length !== 3) throw new Error("ethnic_scheme.csv: this generator knows ons2021, police and nhs only");

  const strandCount = readCodes("strand").length;
  const incidentCount = readCodes("incident_type").length;
  const scheme = (s) => ({ properties: { ethnic_scheme: { const: s } }, required: ["ethnic_scheme"] });

  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${BASE}report.v1.json`,
    title: `One report of the protocol ${PROTOCOL}`,
    description: [
      "One anonymised harassment report, as a partner submits it to the Partnership Data Hub.",
      "Every field is coded; there is no free-text field, and no member beyond those listed is accepted.",
      "The victim's ethnic group is given in one of three schemes (ONS 2021 by default, police 18+1, NHS Data Dictionary);",
      "the hub keeps the native code and scheme beside the ONS 2021 code it maps to (api/codes/ethnic_police.csv, ethnic_nhs.csv).",
      "Rules this schema cannot express, which the server enforces:",
      "(1) occurred_to, when present, is on or after occurred_from (absent, it is taken to be occurred_from);",
      "(2) occurred_from, occurred_to and reported_on are not in the future;",
      "(3) reported_on is on or after occurred_from;",
      "(4) no string carries personal data (names, addresses, dates of birth, contact details, narrative);",
      "the victim's identity reaches the hub only as subject_key, a keyed pseudonym made at the partner's side.",
      "Dates are calendar dates (YYYY-MM-DD); 'format: date' is an assertion here, validators must enable format checks.",
    ].join(" "),
    $comment: "Generated by api/schemas/generate.mjs from api/codes/*.csv; do not edit by hand. Cross-field rules (occurred_to >= occurred_from, reported_on >= occurred_from, no date in the future, no personal data in any string) are enforced by the server, not by this schema.",
    type: "object",
    additionalProperties: false,
    required: [
      "protocol", "external_ref", "occurred_from", "reported_on", "area", "location_type",
      "strands", "incident_types", "victim", "repeat", "channel",
    ],
    properties: {
      protocol: {
        description: "The protocol and its major version.",
        const: PROTOCOL,
      },
      external_ref: {
        description: "The submitting partner's own reference for the report (its case or incident number); it must not encode personal data.",
        type: "string",
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9._/-]{1,64}$",
      },
      occurred_from: {
        description: "First (or only) day the incident occurred.",
        $comment: "Server: not in the future.",
        $ref: "#/$defs/date",
      },
      occurred_to: {
        description: "Last day the incident occurred, for an incident over several days. Absent: the same as occurred_from.",
        $comment: "Server: occurred_to >= occurred_from, not in the future. Defaults to occurred_from (a default JSON Schema cannot state).",
        $ref: "#/$defs/date",
      },
      reported_on: {
        description: "Day the incident was reported to the submitting partner.",
        $comment: "Server: reported_on >= occurred_from, not in the future.",
        $ref: "#/$defs/date",
      },
      area: {
        description: "ONS GSS code of the area where the incident occurred: an LSOA (E01, W01) or an electoral ward (E05, W05).",
        type: "string",
        pattern: "^(E01|W01|E05|W05)\\d{6}$",
      },
      location_type: { $ref: "#/$defs/location_type" },
      strands: {
        description: "The hate crime strands the incident is perceived to be motivated by.",
        type: "array",
        minItems: 1,
        maxItems: strandCount,
        uniqueItems: true,
        items: { $ref: "#/$defs/strand" },
      },
      incident_types: {
        description: "What happened.",
        type: "array",
        minItems: 1,
        maxItems: incidentCount,
        uniqueItems: true,
        items: { $ref: "#/$defs/incident_type" },
      },
      victim: {
        description: "Coded, non-identifying facts about the victim.",
        type: "object",
        additionalProperties: false,
        required: ["ethnic_group", "age_band", "sex"],
        properties: {
          ethnic_group: {
            description: "Ethnic group as self-defined by the victim, a code of the scheme named in ethnic_scheme.",
            type: "string",
          },
          ethnic_scheme: {
            description: "The coding scheme of ethnic_group. Absent: ons2021.",
            $ref: "#/$defs/ethnic_scheme",
            default: "ons2021",
          },
          age_band: { $ref: "#/$defs/age_band" },
          sex: { $ref: "#/$defs/sex" },
        },
        $comment: "ethnic_group must be a code of the scheme in ethnic_scheme: police, else nhs, else (absent or ons2021) ONS 2021.",
        if: scheme("police"),
        then: { properties: { ethnic_group: { $ref: "#/$defs/ethnic_group_police" } } },
        else: {
          if: scheme("nhs"),
          then: { properties: { ethnic_group: { $ref: "#/$defs/ethnic_group_nhs" } } },
          else: { properties: { ethnic_group: { $ref: "#/$defs/ethnic_group_ons2021" } } },
        },
      },
      repeat: {
        description: "Whether the victim reports earlier incidents (repeat victimisation).",
        $ref: "#/$defs/repeat",
      },
      channel: {
        description: "How the incident reached the submitting partner.",
        $ref: "#/$defs/channel",
      },
      subject_key: {
        description: "Keyed pseudonym of the victim (e.g. HMAC-SHA-256 under the partnership's pseudonymisation key), made at the partner's side, so repeat victimisation can be counted across agencies without identifying anyone. 64 lower-case hex digits.",
        type: "string",
        pattern: "^[0-9a-f]{64}$",
      },
    },
    $defs: {
      date: {
        description: "A calendar date, YYYY-MM-DD.",
        type: "string",
        format: "date",
        pattern: "^\\d{4}-\\d{2}-\\d{2}$",
      },
      strand: codeList("strand", "Hate crime strand"),
      incident_type: codeList("incident_type", "Incident type"),
      location_type: codeList("location_type", "Type of location where the incident occurred"),
      age_band: codeList("age_band", "Age band of the victim"),
      sex: codeList("sex", "Sex of the victim"),
      repeat: codeList("repeat", "Repeat victimisation"),
      channel: codeList("channel", "Reporting channel"),
      ethnic_scheme: codeList("ethnic_scheme", "Ethnic group coding scheme"),
      ethnic_group_ons2021: codeList("ethnic_group", "ONS 2021 Census ethnic group (scheme ons2021)"),
      ethnic_group_police: codeList("ethnic_police", "Police self-defined ethnicity, 18+1 (scheme police)"),
      ethnic_group_nhs: codeList("ethnic_nhs", "NHS Data Dictionary ethnic category (scheme nhs)"),
    },
  };
}

export function buildBatchSchema() {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${BASE}report-batch.v1.json`,
    title: `A batch of reports of the protocol ${PROTOCOL}`,
    description: "A JSON array of 1 to 10000 reports, each valid against report.v1.json (and subject to the server-side rules described there).",
    $comment: "Generated by api/schemas/generate.mjs; do not edit by hand. JSON Schema cannot say that the external_refs of a batch differ; the examples keep them distinct.",
    type: "array",
    minItems: 1,
    maxItems: 10000,
    items: { $ref: "report.v1.json" },
  };
}

const render = (schema) => JSON.stringify(schema, null, 2) + "\n";

// file name (in api/schemas/) -> exact text it must have
export function outputs() {
  return {
    "report.v1.json": render(buildReportSchema()),
    "report-batch.v1.json": render(buildBatchSchema()),
  };
}

function main(argv) {
  const check = argv.includes("--check");
  let stale = 0;
  for (const [name, text] of Object.entries(outputs())) {
    const file = join(SCHEMA_DIR, name);
    if (check) {
      let old = null;
      try { old = readFileSync(file, "utf8"); } catch { /* missing */ }
      if (old !== text) { console.error(`${name}: out of date; run node api/schemas/generate.mjs`); stale++; }
    } else {
      writeFileSync(file, text);
      console.log(`wrote api/schemas/${name}`);
    }
  }
  process.exit(stale ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
