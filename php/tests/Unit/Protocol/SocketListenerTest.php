<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\SocketListener;
use PHPUnit\Framework\TestCase;

/**
 * The worker's socket file: created 0600, removed on close (only if still ours), and a path that
 * is taken (live, stale or not a socket) is refused, never removed: removing stale sockets is the
 * supervisor's job (src/supervisor/socket-files.ts).
 */
final class SocketListenerTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir().'/bridge-listener-'.getmypid().'-'.bin2hex(random_bytes(3));
        mkdir($this->dir, 0700);
    }

    protected function tearDown(): void
    {
        foreach (glob($this->dir.'/*') ?: [] as $file) {
            @unlink($file);
        }
        @rmdir($this->dir);
    }

    public function testListensOnA0600SocketAcceptsAndRemovesItOnClose(): void
    {
        $listener = new SocketListener($this->dir.'/w.sock');
        SocketListener::ensurePathFree($listener->path);
        $listener->listen();
        self::assertSame('socket', filetype($listener->path));
        self::assertSame(0600, fileperms($listener->path) & 0777);
        self::assertNull($listener->accept(), 'nobody waiting');
        $client = stream_socket_client('unix://'.$listener->path);
        usleep(10000);
        self::assertIsResource($listener->accept());
        fclose($client);
        $listener->close();
        clearstatcache();
        self::assertFileDoesNotExist($listener->path);
    }

    public function testDoesNotRemoveAFileAnotherProcessPutAtItsPath(): void
    {
        $listener = new SocketListener($this->dir.'/w.sock');
        $listener->listen();
        unlink($listener->path);
        file_put_contents($listener->path, 'someone else');
        $listener->close();
        self::assertFileExists($listener->path);
    }

    public function testRefusesAPathWithALiveListener(): void
    {
        $other = stream_socket_server('unix://'.$this->dir.'/live.sock');
        try {
            $this->expectExceptionMessage('another process is already listening on '.$this->dir.'/live.sock');
            SocketListener::ensurePathFree($this->dir.'/live.sock');
        } finally {
            fclose($other);
        }
    }

    public function testRefusesAStaleSocketWithoutRemovingIt(): void
    {
        $path = $this->dir.'/stale.sock';
        $probe = $this->staleSocket($path);
        try {
            SocketListener::ensurePathFree($path);
            self::fail('a stale socket must be refused');
        } catch (\RuntimeException $e) {
            self::assertStringContainsString('is a socket nobody listens on; not removing it', $e->getMessage());
        }
        self::assertSame('socket', filetype($path), $probe);
    }

    public function testRefusesAFileThatIsNotASocketWithoutRemovingIt(): void
    {
        file_put_contents($this->dir.'/regular', 'data');
        try {
            SocketListener::ensurePathFree($this->dir.'/regular');
            self::fail('a regular file must be refused');
        } catch (\RuntimeException $e) {
            self::assertStringContainsString('exists and is not a socket', $e->getMessage());
        }
        self::assertStringEqualsFile($this->dir.'/regular', 'data');
    }

    public function testSaysWhyItCannotListen(): void
    {
        $listener = new SocketListener($this->dir.'/missing/w.sock');
        $this->expectExceptionMessage('cannot listen on '.$this->dir.'/missing/w.sock: directory '.$this->dir.'/missing does not exist');
        $listener->listen();
    }

    /** A socket file whose listener is gone: bound by a child process that then exits. */
    private function staleSocket(string $path): string
    {
        $code = 'stream_socket_server('.var_export('unix://'.$path, true).'); posix_kill(getmypid(), 9);';
        exec(escapeshellarg(PHP_BINARY).' -r '.escapeshellarg($code).' 2>&1', $out);

        return implode("\n", $out);
    }
}
