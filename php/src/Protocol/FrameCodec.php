<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Pure byte functions for the frame format of src/codec/FRAME.md (the authoritative spec; the
 * TypeScript twin is src/codec/frame.ts). No I/O, no state. Both codecs pass
 * src/codec/test-vectors.json byte for byte.
 *
 *  0      1       2      3      4            8            12           16
 *  +------+-------+------+------+------------+------------+------------+---------------+
 *  | 0xB7 | 0x01  | type | flags| request id | length     | CRC-32 of  | payload …     |
 *  |      |       |      |      | u32 BE     | u32 BE     | bytes 0..11|               |
 *  +------+-------+------+------+------------+------------+------------+---------------+
 */
final class FrameCodec
{
    public const MAGIC = 0xB7;
    public const VERSION = 0x01;
    public const HEADER_SIZE = 16;
    /** Hard ceiling of the format (16 MiB); a reader may enforce a lower one. */
    public const MAX_PAYLOAD = 16777216;

    public const HELLO = 0x01;
    public const REQUEST_HEAD = 0x02;
    public const REQUEST_BODY = 0x03;
    public const RESPONSE_HEAD = 0x04;
    public const RESPONSE_BODY = 0x05;
    public const ERROR = 0x06;
    public const PING = 0x07;
    public const PONG = 0x08;
    public const CANCEL = 0x09;

    public const FLAG_NONE = 0x00;
    public const FLAG_END = 0x01;
    public const FLAG_WORKER_STOPPING = 0x02;
    public const KNOWN_FLAGS = self::FLAG_END | self::FLAG_WORKER_STOPPING;

    private const TYPE_MIN = self::HELLO;
    private const TYPE_MAX = self::CANCEL;

    private const NAMES = [
        self::HELLO => 'HELLO',
        self::REQUEST_HEAD => 'REQUEST_HEAD',
        self::REQUEST_BODY => 'REQUEST_BODY',
        self::RESPONSE_HEAD => 'RESPONSE_HEAD',
        self::RESPONSE_BODY => 'RESPONSE_BODY',
        self::ERROR => 'ERROR',
        self::PING => 'PING',
        self::PONG => 'PONG',
        self::CANCEL => 'CANCEL',
    ];

    /** Encodes one frame: header and payload in one string (one write). */
    public static function encode(int $type, int $flags, int $id, string $payload = ''): string
    {
        $length = \strlen($payload);
        if ($length > self::MAX_PAYLOAD) {
            throw new FrameException(
                'FRAME_PAYLOAD_TOO_LARGE',
                "payload of {$length} bytes exceeds the ".self::MAX_PAYLOAD.'-byte frame limit'
            );
        }
        $head = pack('CCCCNN', self::MAGIC, self::VERSION, $type, $flags, $id, $length);

        return $head.pack('N', crc32($head)).$payload;
    }

    /**
     * Validates and reads a 16-byte header. Checks run in the same order as readHeader() in
     * frame.ts, so both codecs report the same code for the same bytes.
     *
     * @return array{type:int, flags:int, id:int, length:int}
     */
    public static function decodeHeader(string $header, int $maxPayload = self::MAX_PAYLOAD): array
    {
        if (\strlen($header) < self::HEADER_SIZE) {
            throw new FrameException(
                'FRAME_TRUNCATED',
                'buffer ends inside a frame header ('.\strlen($header).' of '.self::HEADER_SIZE.' bytes)',
                $header
            );
        }
        $f = unpack('Cmagic/Cversion/Ctype/Cflags/Nid/Nlength/Ncrc', $header);
        if ($f['magic'] !== self::MAGIC) {
            throw new FrameException('FRAME_BAD_MAGIC', 'frame does not start with the magic byte 0xb7', $header);
        }
        if ($f['version'] !== self::VERSION) {
            throw new FrameException('FRAME_BAD_VERSION', "unsupported frame version {$f['version']}", $header);
        }
        if (crc32(substr($header, 0, 12)) !== $f['crc']) {
            throw new FrameException('FRAME_BAD_CHECKSUM', 'frame header checksum mismatch', $header);
        }
        $type = $f['type'];
        if ($type < self::TYPE_MIN || $type > self::TYPE_MAX) {
            throw new FrameException('FRAME_UNKNOWN_TYPE', 'unknown frame type 0x'.dechex($type), $header);
        }
        $flags = $f['flags'];
        if (($flags & ~self::KNOWN_FLAGS) !== 0) {
            throw new FrameException('FRAME_BAD_FLAGS', 'unknown frame flags 0x'.dechex($flags), $header);
        }
        $length = $f['length'];
        $limit = min($maxPayload, self::MAX_PAYLOAD);
        if ($length > $limit) {
            throw new FrameException(
                'FRAME_PAYLOAD_TOO_LARGE',
                "frame payload of {$length} bytes exceeds the {$limit}-byte limit",
                $header
            );
        }

        return ['type' => $type, 'flags' => $flags, 'id' => $f['id'], 'length' => $length];
    }

    /**
     * Decodes every frame of a complete buffer (tests and vectors). A buffer that ends inside a
     * frame is FRAME_TRUNCATED.
     *
     * @return list<array{type:int, flags:int, id:int, length:int, payload:string}>
     */
    public static function decodeAll(string $buffer, int $maxPayload = self::MAX_PAYLOAD): array
    {
        $frames = [];
        $offset = 0;
        $total = \strlen($buffer);
        while ($offset < $total) {
            if ($total - $offset < self::HEADER_SIZE) {
                throw new FrameException(
                    'FRAME_TRUNCATED',
                    'buffer ends inside a frame header ('.($total - $offset).' of '.self::HEADER_SIZE.' bytes)',
                    substr($buffer, $offset)
                );
            }
            $header = self::decodeHeader(substr($buffer, $offset, self::HEADER_SIZE), $maxPayload);
            $start = $offset + self::HEADER_SIZE;
            $end = $start + $header['length'];
            if ($end > $total) {
                throw new FrameException(
                    'FRAME_TRUNCATED',
                    'buffer ends inside a frame payload ('.($total - $start).' of '.$header['length'].' bytes)',
                    substr($buffer, $offset, self::HEADER_SIZE)
                );
            }
            $header['payload'] = (string) substr($buffer, $start, $header['length']);
            $frames[] = $header;
            $offset = $end;
        }

        return $frames;
    }

    public static function typeName(int $type): string
    {
        return self::NAMES[$type] ?? '0x'.dechex($type);
    }
}
