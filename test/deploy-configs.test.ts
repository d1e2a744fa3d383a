/**
 * deploy/ (issue #10 item 4), checked with the real tools wherever they run here: HAProxy's and
 * nginx's own config checks, systemd-analyze verify, and the Kubernetes manifests against the
 * Kubernetes API's JSON schemas (kubernetes-models, which bundles them with an ajv validator and
 * needs no cluster). Each checker is also shown a broken copy, so a checker that accepts
 * anything fails this test. The Containerfile cannot be built here (no Docker daemon): only its
 * shape is checked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/server.js';

const DEPLOY = join(ROOT, 'deploy');
const read = (file: string): string => readFileSync(join(DEPLOY, file), 'utf8');
const run = (cmd: string, args: string[]): { status: number | null; out: string } => {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${cmd} cannot run: ${result.error.message} (npm run setup installs it)`);
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
};
const tempFile = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'lfd-deploy-')), name);
  writeFileSync(file, text);
  return file;
};

describe('deploy/haproxy.cfg', () => {
  it('passes haproxy -c, and health-checks /readyz over HTTP/1.1', () => {
    const check = run('haproxy', ['-c', '-f', join(DEPLOY, 'haproxy.cfg')]);
    expect(check.status, check.out).toBe(0);
    expect(read('haproxy.cfg')).toMatch(/^\s*http-check send meth GET uri \/readyz ver HTTP\/1\.1 hdr Host \S+/m);
    expect(read('haproxy.cfg')).toMatch(/^\s*option redispatch/m);
  });
  it('a broken copy is rejected', () => {
    const broken = tempFile('haproxy.cfg', read('haproxy.cfg').replace('balance leastconn', 'balance nosuchalgorithm'));
    expect(run('haproxy', ['-c', '-f', broken]).status).not.toBe(0);
  });
});

describe('deploy/nginx-upstream.conf', () => {
  const wrapper = (include: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'lfd-nginx-'));
    const conf = join(dir, 'nginx.conf');
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${dir}/${k};`).join(' ');
    writeFileSync(conf, `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n  include ${include};\n}\n`);
    return conf;
  };
  it('passes nginx -t inside an http block, with HTTP/1.1 and keepalive to the upstreams', () => {
    const check = run('nginx', ['-t', '-c', wrapper(join(DEPLOY, 'nginx-upstream.conf'))]);
    expect(check.status, check.out).toBe(0);
    expect(read('nginx-upstream.conf')).toMatch(/^\s*proxy_http_version 1\.1;/m);
    expect(read('nginx-upstream.conf')).toMatch(/^\s*keepalive \d+;/m);
  });
  it('a broken copy is rejected', () => {
    const broken = tempFile('upstream.conf', read('nginx-upstream.conf').replace('proxy_http_version 1.1;', 'proxy_http_version 1.1'));
    expect(run('nginx', ['-t', '-c', wrapper(broken)]).status).not.toBe(0);
  });
});

describe('deploy/front-door.service', () => {
  // systemd-analyze verify runs without systemd as PID 1; it exits 0 on directives it ignores,
  // printing a warning, so its output must be empty too.
  it('passes systemd-analyze verify with no warning; reload by SIGHUP, stop after SHUTDOWN_DELAY + SHUTDOWN_GRACE', () => {
    const check = run('systemd-analyze', ['verify', join(DEPLOY, 'front-door.service')]);
    expect(check.status, check.out).toBe(0);
    expect(check.out).toBe('');
    const unit = read('front-door.service');
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^LimitNOFILE=\d+$/m);
    const setting = (name: string): number => Number(new RegExp(`^(?:Environment=${name}=|${name}=)(\\d+)`, 'm').exec(unit)?.[1]);
    expect(setting('TimeoutStopSec')).toBeGreaterThan(setting('SHUTDOWN_GRACE') + setting('SHUTDOWN_DELAY'));
  });
  it('a broken copy is reported', () => {
    const broken = tempFile('front-door.service', read('front-door.service').replace('Restart=on-failure', 'Restart=sometimes'));
    expect(run('systemd-analyze', ['verify', broken]).out).toMatch(/restart/i);
  });
});

describe('deploy/kubernetes', () => {
  const MODELS: Record<string, new (data: never) => { validate(): void }> = {
    'apps/v1/Deployment': Deployment,
    'v1/Service': Service,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  };
  const load = (file: string): Array<Record<string, any>> => parseAllDocuments(read(join('kubernetes', file))).map((doc) => doc.toJS() as Record<string, any>);
  const validate = (manifest: Record<string, any>): void => {
    const Model = MODELS[`${manifest['apiVersion']}/${manifest['kind']}`];
    if (!Model) throw new Error(`no schema for ${manifest['apiVersion']} ${manifest['kind']}`);
    new Model(manifest as never).validate();
  };
  const all = ['deployment.yaml', 'pdb.yaml', 'hpa.yaml'].flatMap(load);

  it('every manifest is valid against the Kubernetes schemas', () => {
    expect(all.map((m) => m['kind'])).toEqual(['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    for (const manifest of all) validate(manifest);
  });

  it('the validator rejects broken manifests', () => {
    const deployment = structuredClone(all[0]!);
    deployment['spec']['replicas'] = 'three';
    expect(() => validate(deployment)).toThrow(/replicas/);
    const noContainers = structuredClone(all[0]!);
    delete noContainers['spec']['template']['spec']['containers'];
    expect(() => validate(noContainers)).toThrow(/containers/);
    const pdb = structuredClone(all[2]!);
    pdb['spec']['selector'] = 'front-door';
    expect(() => validate(pdb)).toThrow(/selector/);
  });

  it('probes on /readyz and /healthz, a preStop drain, a grace period longer than preStop + SHUTDOWN_DELAY + SHUTDOWN_GRACE, resource requests', () => {
    const pod = all[0]!['spec']['template']['spec'];
    const container = pod['containers'][0];
    const env = Object.fromEntries((container['env'] as Array<{ name: string; value: string }>).map((e) => [e.name, Number(e.value)]));
    expect(container['readinessProbe']['httpGet']['path']).toBe('/readyz');
    expect(container['livenessProbe']['httpGet']['path']).toBe('/healthz');
    const preStop = container['lifecycle']['preStop']['exec']['command'] as string[];
    expect(preStop[0]).toBe('sleep');
    expect(pod['terminationGracePeriodSeconds']).toBeGreaterThan(Number(preStop[1]) + env['SHUTDOWN_DELAY']! + env['SHUTDOWN_GRACE']!);
    expect(container['resources']['requests']).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });
});

describe('deploy/Containerfile (not built here: no Docker daemon)', () => {
  it('is multi-stage on Debian 12 and runs as a non-root user', () => {
    const file = read('Containerfile');
    const stages = [...file.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const image of stages) expect(image).toMatch(/bookworm/);
    expect(file).toMatch(/^COPY --from=build /m);
    const user = /^USER (\S+)/m.exec(file)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });
});
