<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Reads one request off a connection: the REQUEST_HEAD's JSON and, unless the head carried END,
 * the REQUEST_BODY frames of the same id up to the one with END.
 */
final class RequestReader
{
    /**
     * @throws FrameException   a body frame of another request or type, or a head that is not
     *                          the documented JSON object
     * @throws ConnectionClosed the peer left inside the request
     */
    public static function read(Connection $connection, int $id, int $headFlags, string $headJson): Request
    {
        $body = ($headFlags & FrameCodec::FLAG_END) !== 0 ? '' : self::readBody($connection, $id);
        $head = json_decode($headJson, true);
        if (!\is_array($head)) {
            throw new FrameException('FRAME_BAD_PAYLOAD', "REQUEST_HEAD of request {$id} is not a JSON object");
        }

        return Request::fromHead($head, $body, $id);
    }

    /**
     * The REQUEST_BODY frames of request $id up to the one with END, joined (also used to skip
     * the body of a pipelined request that is handed back).
     *
     * @throws FrameException|ConnectionClosed
     */
    public static function readBody(Connection $connection, int $id): string
    {
        $parts = [];
        do {
            $frame = $connection->readFrame();
            if ($frame === null) {
                throw new ConnectionClosed("peer closed the connection inside the body of request {$id}");
            }
            [$type, $flags, $frameId, $payload] = $frame;
            if ($frameId !== $id) {
                throw new FrameException('FRAME_WRONG_REQUEST_ID', FrameCodec::typeName($type)." frame for request {$frameId} while reading the body of request {$id}");
            }
            if ($type !== FrameCodec::REQUEST_BODY) {
                throw new FrameException('FRAME_UNEXPECTED', FrameCodec::typeName($type)." frame while reading the body of request {$id}");
            }
            $parts[] = $payload;
        } while (($flags & FrameCodec::FLAG_END) === 0);

        return \count($parts) === 1 ? $parts[0] : implode('', $parts);
    }
}
