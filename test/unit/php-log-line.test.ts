import { describe, expect, it } from 'vitest';
import { parsePhpLogLine } from '../../src/supervisor/php-log-line.js';

describe('parsePhpLogLine: the level of a PHP worker stderr line', () => {
  it.each([
    ['debug', 'debug'],
    ['info', 'info'],
    ['warning', 'warn'],
    ['error', 'error'],
  ] as const)('logs a worker line tagged [%s] at %s, without the prefix', (tag, level) => {
    expect(parsePhpLogLine(`[php-worker 4321] [${tag}] request 2 failed: RuntimeException: kaboom`)).toEqual({
      level,
      message: 'request 2 failed: RuntimeException: kaboom',
      pid: 4321,
    });
  });

  it('keeps the level on every line of a multi-line message (each line has the prefix)', () => {
    expect(parsePhpLogLine('[php-worker 7] [error] #0 /app/routes/web.php(12): {closure}()')).toEqual({
      level: 'error',
      message: '#0 /app/routes/web.php(12): {closure}()',
      pid: 7,
    });
  });

  it.each([
    ['the app echoing during a request', '[stdout] stray output line 1'],
    ["PHP's own fatal error text (display_errors=stderr)", 'PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted in /app/x.php on line 3'],
    ["the app's own stderr write", 'something the app wrote'],
    ['a prefix not at the start', 'note: [php-worker 12] [error] quoted'],
    ['an empty line', ''],
  ])('logs a line without a tag (%s) at warn, unchanged', (_what, line) => {
    expect(parsePhpLogLine(line)).toEqual({ level: 'warn', message: line, pid: null });
  });

  it('logs a worker line without a level (an older package) at warn, without the prefix', () => {
    expect(parsePhpLogLine('[php-worker 55] stopped after 3 requests')).toEqual({ level: 'warn', message: 'stopped after 3 requests', pid: 55 });
  });

  it('keeps an unknown tag in the message and logs it at warn', () => {
    expect(parsePhpLogLine('[php-worker 55] [notice] something')).toEqual({ level: 'warn', message: '[notice] something', pid: 55 });
    expect(parsePhpLogLine('[php-worker 55] [constructor] x')).toEqual({ level: 'warn', message: '[constructor] x', pid: 55 });
  });

  it('takes the tag only right after the prefix, and only once', () => {
    expect(parsePhpLogLine('[php-worker 9] [info] [error] quoted tag')).toEqual({ level: 'info', message: '[error] quoted tag', pid: 9 });
    expect(parsePhpLogLine('[php-worker 9]  [error] two spaces')).toEqual({ level: 'warn', message: ' [error] two spaces', pid: 9 });
  });
});
