<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Protocol\FrameException;
use PHPUnit\Framework\TestCase;

/**
 * The PHP codec against src/codec/test-vectors.json, the vectors the TypeScript codec passes too
 * (src/codec/FRAME.md), byte for byte; and a fuzz run of the decoder.
 */
final class FrameCodecTest extends TestCase
{
    private const CODES = [
        'FRAME_BAD_MAGIC', 'FRAME_BAD_VERSION', 'FRAME_BAD_CHECKSUM', 'FRAME_UNKNOWN_TYPE',
        'FRAME_BAD_FLAGS', 'FRAME_PAYLOAD_TOO_LARGE', 'FRAME_TRUNCATED',
    ];

    private static function vectors(): array
    {
        static $vectors = null;

        return $vectors ??= json_decode((string) file_get_contents(__DIR__.'/../../../../src/codec/test-vectors.json'), true, 512, JSON_THROW_ON_ERROR);
    }

    public static function validVectors(): iterable
    {
        foreach (self::vectors()['valid'] as $v) {
            yield $v['name'] => [$v];
        }
    }

    public static function invalidVectors(): iterable
    {
        foreach (self::vectors()['invalid'] as $v) {
            yield $v['name'] => [$v];
        }
    }

    public function testTheVectorsAgreeOnTheFormatLimitsAndAreAllThere(): void
    {
        self::assertSame(FrameCodec::MAX_PAYLOAD, self::vectors()['max_payload']);
        self::assertGreaterThanOrEqual(21, \count(self::vectors()['valid']) + \count(self::vectors()['invalid']));
    }

    /** @dataProvider validVectors */
    public function testEncodesAndDecodesAValidVectorByteForByte(array $v): void
    {
        $payload = hex2bin($v['payload_hex']);
        $frame = hex2bin($v['frame_hex']);
        self::assertSame($v['frame_hex'], bin2hex(FrameCodec::encode($v['type'], $v['flags'], $v['id'], $payload)));
        $expected = ['type' => $v['type'], 'flags' => $v['flags'], 'id' => $v['id'], 'length' => \strlen($payload)];
        self::assertSame([$expected + ['payload' => $payload]], FrameCodec::decodeAll($frame));
        self::assertSame($expected, FrameCodec::decodeHeader(substr($frame, 0, 16)));
    }

    public function testDecodesAllValidVectorsBackToBackInOrder(): void
    {
        $stream = implode('', array_map(static fn (array $v) => hex2bin($v['frame_hex']), self::vectors()['valid']));
        $frames = FrameCodec::decodeAll($stream);
        self::assertCount(\count(self::vectors()['valid']), $frames);
        foreach (self::vectors()['valid'] as $i => $v) {
            self::assertSame([$v['type'], $v['id'], $v['payload_hex']], [$frames[$i]['type'], $frames[$i]['id'], bin2hex($frames[$i]['payload'])]);
        }
    }

    /** @dataProvider invalidVectors */
    public function testRejectsAnInvalidVectorWithItsCode(array $v): void
    {
        try {
            FrameCodec::decodeAll(hex2bin($v['bytes_hex']));
            self::fail('decoded without error, expected '.$v['error']);
        } catch (FrameException $e) {
            self::assertSame($v['error'], $e->getErrorCode(), $e->getMessage());
        }
    }

    public function testAHeaderErrorCarriesTheOffendingBytesInHex(): void
    {
        $frame = FrameCodec::encode(FrameCodec::PING, 0, 7);
        $frame[0] = "\x00";
        try {
            FrameCodec::decodeHeader($frame);
            self::fail('expected FRAME_BAD_MAGIC');
        } catch (FrameException $e) {
            self::assertSame('FRAME_BAD_MAGIC', $e->getErrorCode());
            self::assertStringContainsString('(bytes: '.bin2hex($frame).')', $e->getMessage());
        }
    }

    public function testAReaderMayEnforceALowerPayloadLimit(): void
    {
        $frame = FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 1, str_repeat('x', 100));
        self::assertSame(100, FrameCodec::decodeHeader(substr($frame, 0, 16), 100)['length']);
        try {
            FrameCodec::decodeHeader(substr($frame, 0, 16), 99);
            self::fail('expected FRAME_PAYLOAD_TOO_LARGE');
        } catch (FrameException $e) {
            self::assertSame('FRAME_PAYLOAD_TOO_LARGE', $e->getErrorCode());
        }
    }

    public function testEncodingMoreThanTheFormatAllowsIsRefused(): void
    {
        try {
            FrameCodec::encode(FrameCodec::RESPONSE_BODY, 0, 1, str_repeat('x', FrameCodec::MAX_PAYLOAD + 1));
            self::fail('expected FRAME_PAYLOAD_TOO_LARGE');
        } catch (FrameException $e) {
            self::assertSame('FRAME_PAYLOAD_TOO_LARGE', $e->getErrorCode());
        }
    }

    /**
     * Random and mutated bytes either decode (and re-encode to the same bytes) or throw a
     * FrameException with one of the codec's codes: never another Throwable or a PHP warning.
     */
    public function testTurnsRandomBytesIntoATypedFrameExceptionNeverACrash(): void
    {
        $seed = random_int(1, PHP_INT_MAX);
        mt_srand($seed);
        $seeds = array_map(static fn (array $v) => hex2bin($v['frame_hex']), self::vectors()['valid']);
        $seeds[] = FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 3, str_repeat('x', 300));
        set_error_handler(static function (int $severity, string $message, string $file, int $line): bool {
            throw new \ErrorException($message, 0, $severity, $file, $line);
        });
        try {
            for ($i = 0; $i < 3000; $i++) {
                $input = $i % 3 === 0 ? (string) substr(random_bytes(65), 0, mt_rand(0, 64)) : self::mutate($seeds[mt_rand(0, \count($seeds) - 1)]);
                try {
                    $frames = FrameCodec::decodeAll($input);
                } catch (FrameException $e) {
                    self::assertContains($e->getErrorCode(), self::CODES, "seed {$seed}, input ".bin2hex($input));
                    continue;
                }
                $again = implode('', array_map(static fn (array $f) => FrameCodec::encode($f['type'], $f['flags'], $f['id'], $f['payload']), $frames));
                self::assertSame(bin2hex($input), bin2hex($again), "seed {$seed}: a decoded input must re-encode to the same bytes");
            }
        } finally {
            restore_error_handler();
        }
    }

    private static function mutate(string $frame): string
    {
        $len = \strlen($frame);
        switch (mt_rand(0, 4)) {
            case 0: // flip one bit
                $i = mt_rand(0, $len - 1);
                $frame[$i] = \chr(\ord($frame[$i]) ^ (1 << mt_rand(0, 7)));

                return $frame;
            case 1: // cut short
                return substr($frame, 0, mt_rand(0, $len - 1));
            case 2: // random header byte, CRC fixed up so later checks are reached
                $i = mt_rand(0, 11);
                $frame[$i] = \chr(mt_rand(0, 255));

                return substr($frame, 0, 12).pack('N', crc32(substr($frame, 0, 12))).substr($frame, 16);
            case 3: // trailing garbage
                return $frame.random_bytes(mt_rand(1, 20)); // never 0
            default: // two frames glued
                return $frame.$frame;
        }
    }
}
