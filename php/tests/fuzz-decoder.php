<?php

/**
 * Throws random and mutated bytes at FrameCodec::decodeAll(). Each input must either decode or
 * throw FrameException with one of the codec's codes, never another Throwable (TypeError,
 * ValueError, warnings turned into exceptions...). Decoded frames must also re-encode to the
 * same bytes.
 *
 *     php php/tests/fuzz-decoder.php [iterations] [seed]
 *
 * Prints one line per failure and finally "N passed, M failed"; exits 0 only when M == 0.
 */

declare(strict_types=1);

require __DIR__.'/bootstrap.php';

use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Protocol\FrameException;

// Any PHP warning/notice is a failure too.
set_error_handler(static function (int $severity, string $message, string $file, int $line): bool {
    throw new ErrorException($message, 0, $severity, $file, $line);
});

$iterations = (int) ($argv[1] ?? 5000);
$seed = (int) ($argv[2] ?? random_int(1, PHP_INT_MAX));
mt_srand($seed);

$codes = [
    'FRAME_BAD_MAGIC', 'FRAME_BAD_VERSION', 'FRAME_BAD_CHECKSUM', 'FRAME_UNKNOWN_TYPE',
    'FRAME_BAD_FLAGS', 'FRAME_PAYLOAD_TOO_LARGE', 'FRAME_TRUNCATED',
];

$vectors = json_decode((string) file_get_contents(__DIR__.'/../../src/codec/test-vectors.json'), true);
$seeds = [];
foreach ($vectors['valid'] ?? [] as $v) {
    $seeds[] = hex2bin($v['frame_hex']);
}
$seeds[] = FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 3, str_repeat('x', 300));

$randomBytes = static function (int $n): string {
    return $n === 0 ? '' : random_bytes($n);
};

$mutate = static function (string $frame) use ($randomBytes): string {
    $len = strlen($frame);
    switch (mt_rand(0, 6)) {
        case 0: // flip one bit
            $i = mt_rand(0, $len - 1);
            $frame[$i] = chr(ord($frame[$i]) ^ (1 << mt_rand(0, 7)));

            return $frame;
        case 1: // truncate
            return substr($frame, 0, mt_rand(0, $len));
        case 2: // random header byte, CRC left as is
            $frame[mt_rand(0, 15)] = chr(mt_rand(0, 255));

            return $frame;
        case 3: // change type/flags/length and fix the CRC, so later checks are reached
            $head = substr($frame, 0, 12);
            $field = mt_rand(0, 2);
            if ($field === 0) {
                $head[2] = chr(mt_rand(0, 255));
            } elseif ($field === 1) {
                $head[3] = chr(mt_rand(0, 255));
            } else {
                $head = substr($head, 0, 8).pack('N', mt_rand(0, 1) ? mt_rand(0, 0xFFFFFFFF) : mt_rand(0, 400));
            }

            return $head.pack('N', crc32($head)).substr($frame, 16);
        case 4: // append garbage
            return $frame.$randomBytes(mt_rand(1, 40));
        case 5: // two frames, the second mutated by bytes
            return $frame.substr($frame, 0, mt_rand(0, $len));
        default: // payload noise
            return substr($frame, 0, 16).$randomBytes(max(0, $len - 16));
    }
};

$passed = 0;
$failed = 0;
$decoded = 0;
$seen = [];

for ($i = 0; $i < $iterations; $i++) {
    $kind = $i % 3;
    if ($kind === 0) {
        $input = $randomBytes(mt_rand(0, 64));
        if (mt_rand(0, 1) === 1 && $input !== '') {
            $input[0] = "\xB7"; // get past the magic check more often
            if (strlen($input) > 1) {
                $input[1] = "\x01";
            }
        }
    } else {
        $input = $mutate($seeds[mt_rand(0, count($seeds) - 1)]);
    }

    try {
        $frames = FrameCodec::decodeAll($input);
        $reencoded = '';
        foreach ($frames as $f) {
            $reencoded .= FrameCodec::encode($f['type'], $f['flags'], $f['id'], $f['payload']);
        }
        if ($reencoded !== $input) {
            $failed++;
            echo 'FAIL input '.bin2hex($input).": decoded but re-encodes to different bytes\n";
            continue;
        }
        $decoded++;
        $passed++;
    } catch (FrameException $e) {
        if (in_array($e->getErrorCode(), $codes, true)) {
            $seen[$e->getErrorCode()] = ($seen[$e->getErrorCode()] ?? 0) + 1;
            $passed++;
        } else {
            $failed++;
            echo 'FAIL input '.bin2hex($input).': unexpected code '.$e->getErrorCode()."\n";
        }
    } catch (Throwable $e) {
        $failed++;
        echo 'FAIL input '.bin2hex($input).': '.get_class($e).': '.$e->getMessage()."\n";
    }
}

ksort($seen);
echo "seed {$seed}; decoded {$decoded}; errors ".json_encode($seen)."\n";
echo "{$passed} passed, {$failed} failed\n";
exit($failed === 0 ? 0 : 1);
