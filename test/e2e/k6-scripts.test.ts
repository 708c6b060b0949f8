import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';

const K6_DIR = fileURLToPath(new URL('../load/k6/', import.meta.url));
const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
const scripts = readdirSync(K6_DIR).filter((file) => file.endsWith('.js'));
const definitions = loadSync(['switchboard/v1/verify.proto', 'switchboard/v1/messaging.proto'], { includeDirs: [PROTO_DIR], keepCase: true });

// k6 cannot be installed here: these keep its scripts from rotting as the protos change.
describe('k6 load scripts', () => {
  it.each(scripts)('%s parses as a module', (script) => {
    expect(() => execFileSync(process.execPath, ['--check', join(K6_DIR, script)], { stdio: 'pipe' })).not.toThrow();
  });

  it.each(scripts.filter((script) => script !== 'common.js'))('%s invokes methods the protos define, with their fields', (script) => {
    // Template substitutions out first, so the request literal ends at its own brace.
    const source = readFileSync(join(K6_DIR, script), 'utf8').replace(/\$\{[^}]*\}/g, '');
    const calls = [...source.matchAll(/invoke\(\s*'([\w.]+)\/(\w+)',\s*\{([^}]*)\}/g)];
    expect(calls.length).toBeGreaterThan(0);
    for (const [, service, method, fields] of calls) {
      const definition = (definitions[service ?? ''] ?? {}) as Record<string, { requestType: { type: { field: { name: string }[] } } }>;
      // proto-loader keys a service's methods by name and by lowerCamel name.
      const rpc = definition[method ?? ''];
      expect(rpc, `${service}/${method}`).toBeDefined();
      const known = new Set(rpc?.requestType.type.field.map((field) => field.name));
      const used = [...(fields ?? '').matchAll(/(?:^|,)\s*(\w+)\s*(?=:|,|$)/g)].map((match) => match[1] ?? '');
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(known, `${service}/${method} has no field ${name}`).toContain(name);
    }
  });
});
