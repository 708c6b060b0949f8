#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, then builds, type-checks,
# lints and tests every package, the end-to-end suites on both PGlite and PostgreSQL.
# Ends with one line: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  step "PostgreSQL for the tests"
  TEST_DATABASE_URL=$(bash test/scripts/ensure-postgres.sh) || fail "could not start PostgreSQL"
  export TEST_DATABASE_URL
fi
echo "TEST_DATABASE_URL=${TEST_DATABASE_URL%%@*}@… (password hidden)"

step "socat for the modem emulator's pty tests"
bash test/scripts/ensure-socat.sh || fail "could not install socat"

step "install"
pnpm install --frozen-lockfile || fail "pnpm install"

step "build"
pnpm -r build || fail "build"

step "contracts: buf lint, format, generated code up to date"
pnpm --filter @switchboard/proto test || fail "proto checks"

step "type check"
pnpm -r check || fail "type check"

step "lint"
pnpm -r lint || fail "lint"

reports=$(mktemp -d)
status=0
for pkg in sms-encoding simulators service modem-agent dashboard test; do
  step "tests: $pkg"
  (cd "$pkg" && pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$reports/$pkg.json") || status=1
done

step "benchmark smoke: bench:e2e --smoke (asserts that nothing was lost or sent twice, no figures)"
node test/dist/load/bench-e2e.js --smoke || { echo "FAILED: bench:e2e --smoke" >&2; status=1; }

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$reports"
rm -rf "$reports"
exit $status
