<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/** The peer closed the socket (or a read/write on it failed or timed out). */
final class ConnectionClosed extends \RuntimeException
{
}
