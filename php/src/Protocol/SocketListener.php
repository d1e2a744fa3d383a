<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * The worker's own Unix socket: created 0600 (only this user may connect), backlog 511, removed
 * on close unless another process has since put its own file at that path.
 *
 * The worker never removes a file it did not create: whoever starts it (Node's supervisor)
 * removes stale sockets first. A path that is taken makes the worker refuse to start.
 */
final class SocketListener
{
    /** @var null|resource */
    private $server = null;
    private int|false $inode = false;

    public function __construct(public readonly string $path)
    {
    }

    /**
     * Fails, with a message fit for the log, when something is at the path: a live listener, a
     * stale socket, or a file that is not a socket.
     *
     * @throws \RuntimeException
     */
    public static function ensurePathFree(string $path): void
    {
        clearstatcache(true, $path);
        if (!file_exists($path) && !is_link($path)) {
            return;
        }
        if (@filetype($path) !== 'socket') {
            throw new \RuntimeException("{$path} exists and is not a socket; refusing to replace it");
        }
        $probe = @stream_socket_client('unix://'.$path, $errno, $errstr, 1.0);
        if ($probe !== false) {
            fclose($probe);

            throw new \RuntimeException("another process is already listening on {$path}; refusing to take over its socket");
        }

        throw new \RuntimeException("{$path} is a socket nobody listens on; not removing it (whoever starts the worker removes stale sockets first)");
    }

    /** @throws \RuntimeException */
    public function listen(): void
    {
        $errno = 0;
        $errstr = '';
        $context = stream_context_create(['socket' => ['backlog' => 511]]);
        $oldUmask = umask(0077);
        try {
            $server = @stream_socket_server('unix://'.$this->path, $errno, $errstr, STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
        } finally {
            umask($oldUmask);
        }
        if ($server === false) {
            $dir = \dirname($this->path);
            $why = !is_dir($dir) ? "directory {$dir} does not exist"
                : ($errstr !== '' ? "{$errstr} (errno {$errno})" : (error_get_last()['message'] ?? 'unknown error'));

            throw new \RuntimeException("cannot listen on {$this->path}: {$why}");
        }
        @chmod($this->path, 0600);
        clearstatcache(true, $this->path);
        $this->inode = @fileinode($this->path);
        $this->server = $server;
    }

    /** @return resource the listening socket, for stream_select() */
    public function stream()
    {
        if ($this->server === null) {
            throw new \LogicException('the listener is not listening');
        }

        return $this->server;
    }

    /** @return null|resource an accepted connection, or null when none was waiting */
    public function accept()
    {
        $stream = $this->server === null ? false : @stream_socket_accept($this->server, 0);

        return $stream === false ? null : $stream;
    }

    public function close(): void
    {
        if ($this->server !== null) {
            @fclose($this->server);
            $this->server = null;
        }
        clearstatcache(true, $this->path);
        if ($this->inode !== false && @fileinode($this->path) === $this->inode) {
            @unlink($this->path);
        }
        $this->inode = false;
    }
}
