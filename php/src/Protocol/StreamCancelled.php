<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Thrown into a streaming response's producer (from its next write) when Node sent CANCEL
 * because the client went away, so an endless SSE loop or a long download stops working.
 */
final class StreamCancelled extends \RuntimeException
{
}
