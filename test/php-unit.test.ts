/**
 * Runs the PHP side's PHPUnit suites (php/phpunit.xml) and reports every PHPUnit test case as a
 * test here, read from PHPUnit's JUnit log. A PHPUnit run that fails outside any test case (a
 * syntax error, a bootstrap that throws) fails the "PHPUnit exits cleanly" test with its output.
 *
 * The "laravel" suite loads a Laravel framework from its own bootstrap file
 * (php/tests/Unit/Laravel/bootstrap.php); until that file exists the suite is skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/server.js';

const PHP_DIR = join(ROOT, 'php');
const LARAVEL_BOOTSTRAP = join(PHP_DIR, 'tests', 'Unit', 'Laravel', 'bootstrap.php');

interface TestCase {
  readonly suite: string;
  readonly name: string;
  /** failure or error text; null when the case passed */
  readonly problem: string | null;
  readonly skipped: boolean;
}

interface Run {
  readonly exitCode: number;
  readonly output: string;
  readonly cases: TestCase[];
}

function runPhpUnit(args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'phpunit-'));
  const junit = join(dir, 'junit.xml');
  return new Promise((resolve) => {
    execFile(
      'phpunit',
      ['-c', join(PHP_DIR, 'phpunit.xml'), '--log-junit', junit, ...args],
      { cwd: PHP_DIR, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 255;
        const xml = existsSync(junit) ? readFileSync(junit, 'utf8') : '';
        rmSync(dir, { recursive: true, force: true });
        resolve({ exitCode, output: `${stdout}${stderr}${error && typeof error.code !== 'number' ? `\n${error.message}` : ''}`, cases: parseJunit(xml) });
      },
    );
  });
}

/** The <testcase> elements of PHPUnit 9's JUnit log. */
function parseJunit(xml: string): TestCase[] {
  const cases: TestCase[] = [];
  for (const match of xml.matchAll(/<testcase\s([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attributes = Object.fromEntries([...(match[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k, decode(v ?? '')]));
    const body = match[2] ?? '';
    const problem = /<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>/.exec(body);
    const className = attributes['class'] ?? attributes['classname'] ?? '';
    cases.push({
      suite: className.replace(/^LaravelRust\\Bridge\\Tests\\/, ''),
      name: attributes['name'] ?? '(unnamed)',
      problem: problem ? decode(problem[2] ?? '') : null,
      skipped: /<skipped\b/.test(body),
    });
  }
  return cases;
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

function report(title: string, run: Run | null): void {
  describe(title, () => {
    if (run === null) return;
    const bySuite = new Map<string, TestCase[]>();
    for (const testCase of run.cases) bySuite.set(testCase.suite, [...(bySuite.get(testCase.suite) ?? []), testCase]);
    for (const [suite, cases] of bySuite) {
      describe(suite, () => {
        for (const testCase of cases) {
          if (testCase.skipped) {
            it.skip(testCase.name, () => undefined);
            continue;
          }
          it(testCase.name, () => {
            if (testCase.problem !== null) throw new Error(testCase.problem);
          });
        }
      });
    }
    it('PHPUnit exits cleanly', () => {
      expect(run.exitCode, run.output).toBe(0);
    });
  });
}

const hasPhpUnit = await new Promise<boolean>((resolve) => execFile('phpunit', ['--version'], (error) => resolve(error === null)));
const hasLaravelBootstrap = existsSync(LARAVEL_BOOTSTRAP);

const protocol = hasPhpUnit ? await runPhpUnit(['--testsuite', 'protocol']) : null;
const laravel = hasPhpUnit && hasLaravelBootstrap ? await runPhpUnit(['--testsuite', 'laravel', '--bootstrap', LARAVEL_BOOTSTRAP]) : null;

it('PHPUnit is installed (Debian package phpunit; scripts/setup.sh installs it)', () => {
  expect(hasPhpUnit).toBe(true);
});
report('PHPUnit: protocol', protocol);
if (laravel !== null) report('PHPUnit: laravel', laravel);
else describe.skip('PHPUnit: laravel (php/tests/Unit/Laravel/bootstrap.php does not exist yet)', () => it('waits for its bootstrap', () => undefined));
