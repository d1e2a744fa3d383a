<?php

/**
 * Checks php/src/Protocol/FrameCodec.php against the shared vectors in src/codec/test-vectors.json
 * (the same file the TypeScript codec's tests use). No PHPUnit needed:
 *
 *     php php/tests/vectors.php
 *
 * Prints one line per failure and finally "N passed, M failed"; exits 0 only when M == 0.
 */

declare(strict_types=1);

require __DIR__.'/bootstrap.php';

use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Protocol\FrameException;

$path = __DIR__.'/../../src/codec/test-vectors.json';
$json = @file_get_contents($path);
if ($json === false) {
    fwrite(STDERR, "cannot read {$path}\n");
    exit(2);
}
$vectors = json_decode($json, true, 512, JSON_THROW_ON_ERROR);

$passed = 0;
$failed = 0;
$fail = static function (string $name, string $why) use (&$failed): void {
    $failed++;
    echo "FAIL {$name}: {$why}\n";
};

if (($vectors['max_payload'] ?? null) !== FrameCodec::MAX_PAYLOAD) {
    $fail('max_payload', 'vectors say '.var_export($vectors['max_payload'] ?? null, true).', codec says '.FrameCodec::MAX_PAYLOAD);
} else {
    $passed++;
}

foreach ($vectors['valid'] as $v) {
    $name = 'valid "'.$v['name'].'"';
    $payload = hex2bin($v['payload_hex']);
    $frame = hex2bin($v['frame_hex']);
    try {
        $encoded = FrameCodec::encode($v['type'], $v['flags'], $v['id'], $payload);
        if ($encoded !== $frame) {
            $fail($name, 'encode gave '.bin2hex($encoded).', expected '.$v['frame_hex']);
            continue;
        }
        $frames = FrameCodec::decodeAll($frame);
        if (count($frames) !== 1) {
            $fail($name, 'decodeAll gave '.count($frames).' frames, expected 1');
            continue;
        }
        $f = $frames[0];
        $expected = ['type' => $v['type'], 'flags' => $v['flags'], 'id' => $v['id'], 'length' => strlen($payload), 'payload' => $payload];
        if ($f !== $expected) {
            $fail($name, 'decodeAll gave '.json_encode(['type' => $f['type'], 'flags' => $f['flags'], 'id' => $f['id'], 'payload_hex' => bin2hex($f['payload'])]));
            continue;
        }
        $header = FrameCodec::decodeHeader(substr($frame, 0, 16), FrameCodec::MAX_PAYLOAD);
        unset($expected['payload']);
        if ($header !== $expected) {
            $fail($name, 'decodeHeader gave '.json_encode($header));
            continue;
        }
        $passed++;
    } catch (Throwable $e) {
        $fail($name, get_class($e).': '.$e->getMessage());
    }
}

// All valid frames back to back decode as one stream, in order.
try {
    $stream = '';
    foreach ($vectors['valid'] as $v) {
        $stream .= hex2bin($v['frame_hex']);
    }
    $frames = FrameCodec::decodeAll($stream);
    $ok = count($frames) === count($vectors['valid']);
    foreach ($vectors['valid'] as $i => $v) {
        $ok = $ok && $frames[$i]['type'] === $v['type'] && $frames[$i]['id'] === $v['id'] && bin2hex($frames[$i]['payload']) === $v['payload_hex'];
    }
    $ok ? $passed++ : $fail('concatenated valid frames', 'did not decode back to the same frames');
} catch (Throwable $e) {
    $fail('concatenated valid frames', get_class($e).': '.$e->getMessage());
}

foreach ($vectors['invalid'] as $v) {
    $name = 'invalid "'.$v['name'].'"';
    try {
        FrameCodec::decodeAll(hex2bin($v['bytes_hex']));
        $fail($name, 'decoded without error, expected '.$v['error']);
    } catch (FrameException $e) {
        if ($e->getErrorCode() === $v['error']) {
            $passed++;
        } else {
            $fail($name, 'threw '.$e->getErrorCode().', expected '.$v['error'].' ('.$e->getMessage().')');
        }
    } catch (Throwable $e) {
        $fail($name, 'threw '.get_class($e).': '.$e->getMessage().', expected FrameException '.$v['error']);
    }
}

echo "{$passed} passed, {$failed} failed\n";
exit($failed === 0 ? 0 : 1);
