<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Laravel\ResponseFactory;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\ResponseSink;
use PHPUnit\Framework\TestCase;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Cookie;
use Symfony\Component\HttpFoundation\Response as SymfonyResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/** The app's Symfony response -> the protocol response, as php-fpm would send it. */
final class ResponseFactoryTest extends TestCase
{
    private string $mimetype;

    private string $charset;

    /** @var list<string> */
    private array $tempFiles = [];

    protected function setUp(): void
    {
        $this->mimetype = (string) ini_get('default_mimetype');
        $this->charset = (string) ini_get('default_charset');
        ini_set('default_mimetype', 'text/html');
        ini_set('default_charset', 'UTF-8');
    }

    protected function tearDown(): void
    {
        ini_set('default_mimetype', $this->mimetype);
        ini_set('default_charset', $this->charset);
        foreach ($this->tempFiles as $file) {
            @unlink($file);
        }
    }

    /** @return list<string> every value of header $name (case-insensitive) */
    private static function values(Response $response, string $name): array
    {
        $values = [];
        foreach ($response->headers as [$header, $value]) {
            if (strcasecmp($header, $name) === 0) {
                $values[] = $value;
            }
        }

        return $values;
    }

    /** Runs a streamed response's callback into a sink; returns the chunks written. */
    private static function drain(Response $response): array
    {
        self::assertNotNull($response->stream, 'a streamed body');
        $sink = new class () implements ResponseSink {
            /** @var list<string> */
            public array $chunks = [];

            public function write(string $bytes): void
            {
                $this->chunks[] = $bytes;
            }

            public function bytesWritten(): int
            {
                return \strlen(implode('', $this->chunks));
            }
        };
        $level = ob_get_level();
        ($response->stream)($sink);
        self::assertSame($level, ob_get_level(), 'the output buffer the stream opened is closed');

        return $sink->chunks;
    }

    public function testStatusBodyAndHeadersAsPairsInTheirCase(): void
    {
        $symfony = new SymfonyResponse('created!', 201, ['X-Multi' => ['one', 'two'], 'Content-Type' => 'text/plain; charset=UTF-8', 'X-Request-Id' => 'abc']);

        $response = ResponseFactory::create(IlluminateRequest::create('/'), $symfony);

        self::assertSame(201, $response->status);
        self::assertSame('created!', $response->body);
        self::assertNull($response->stream);
        self::assertContains(['X-Multi', 'one'], $response->headers);
        self::assertContains(['X-Multi', 'two'], $response->headers);
        self::assertContains(['X-Request-Id', 'abc'], $response->headers);
        self::assertSame(['text/plain; charset=UTF-8'], self::values($response, 'Content-Type'), 'the app\'s Content-Type, once');
    }

    public function testEachCookieIsItsOwnSetCookieWithSameSiteAndMaxAge(): void
    {
        $symfony = new SymfonyResponse('ok');
        $symfony->headers->setCookie(Cookie::create('session_id', 'abc', time() + 600, '/', null, true, true, false, Cookie::SAMESITE_STRICT));
        $symfony->headers->setCookie(Cookie::create('theme', 'dark', 0, '/app', 'example.com', false, false, false, Cookie::SAMESITE_LAX));

        $response = ResponseFactory::create(IlluminateRequest::create('/'), $symfony);

        $cookies = self::values($response, 'Set-Cookie');
        self::assertCount(2, $cookies);
        self::assertStringStartsWith('session_id=abc;', $cookies[0]);
        self::assertMatchesRegularExpression('/; Max-Age=(599|600)(;|$)/', $cookies[0]);
        self::assertStringContainsStringIgnoringCase('; secure', $cookies[0]);
        self::assertStringContainsStringIgnoringCase('; httponly', $cookies[0]);
        self::assertStringContainsStringIgnoringCase('; samesite=strict', $cookies[0]);
        self::assertStringStartsWith('theme=dark;', $cookies[1]);
        self::assertStringContainsString('path=/app', $cookies[1]);
        self::assertStringContainsString('domain=example.com', $cookies[1]);
        self::assertStringContainsStringIgnoringCase('; samesite=lax', $cookies[1]);
    }

    public function testTheDefaultContentTypeWhenTheAppSetNone(): void
    {
        $request = IlluminateRequest::create('/');
        $bare = static fn () => new SymfonyResponse('<p>hi</p>', 404);

        self::assertSame(['text/html; charset=UTF-8'], self::values(ResponseFactory::create($request, $bare()), 'Content-Type'));

        ini_set('default_mimetype', 'application/xml');
        self::assertSame(['application/xml'], self::values(ResponseFactory::create($request, $bare()), 'Content-Type'), 'charset only for text/*');

        ini_set('default_mimetype', '');
        self::assertSame([], self::values(ResponseFactory::create($request, $bare()), 'Content-Type'), 'none when default_mimetype is empty');
    }

    public function testDefaultContentTypeFollowsIni(): void
    {
        ini_set('default_charset', 'ISO-8859-1');
        ini_set('default_mimetype', 'text/plain');
        self::assertSame('text/plain; charset=ISO-8859-1', ResponseFactory::defaultContentType());
        ini_set('default_charset', '');
        self::assertSame('text/plain', ResponseFactory::defaultContentType());
        ini_set('default_mimetype', '');
        self::assertNull(ResponseFactory::defaultContentType());
    }

    public function testAStreamedResponseIsWrittenThroughTheSink(): void
    {
        $symfony = new StreamedResponse(static function (): void {
            echo 'first;';
            ob_flush();
            flush();
            echo 'second;';
        }, 200, ['Content-Type' => 'text/event-stream']);

        $response = ResponseFactory::create(IlluminateRequest::create('/'), $symfony);

        self::assertSame('', $response->body);
        self::assertSame(['text/event-stream'], self::values($response, 'Content-Type'));
        $chunks = self::drain($response);
        self::assertSame('first;second;', implode('', $chunks));
        self::assertGreaterThanOrEqual(2, \count($chunks), 'a flush in the callback reaches the sink at once');
    }

    public function testABinaryFileResponseIsStreamedWhole(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'bridge-download-');
        $this->tempFiles[] = $file;
        $content = random_bytes(200_000);
        file_put_contents($file, $content);
        $symfony = new BinaryFileResponse($file, 200, ['Content-Type' => 'application/octet-stream']);
        $request = IlluminateRequest::create('/download');
        $symfony->prepare($request);

        $response = ResponseFactory::create($request, $symfony);

        self::assertSame('', $response->body);
        self::assertSame([(string) \strlen($content)], self::values($response, 'Content-Length'));
        self::assertTrue(implode('', self::drain($response)) === $content, 'the file\'s bytes, whole and in order');
    }

    public function testAHandedOverDownloadIsItsHeadAlone(): void
    {
        $file = (string) tempnam(sys_get_temp_dir(), 'bridge-download-');
        $this->tempFiles[] = $file;
        file_put_contents($file, 'handed over');
        BinaryFileResponse::trustXSendfileTypeHeader();
        $symfony = new BinaryFileResponse($file, 200, ['Content-Type' => 'text/plain']);
        $request = IlluminateRequest::create('/download', 'GET', [], [], [], ['HTTP_X_SENDFILE_TYPE' => 'X-Sendfile']);
        $symfony->prepare($request);

        $response = ResponseFactory::create($request, $symfony);

        self::assertNull($response->stream, 'no body: the front door sends the file');
        self::assertSame('', $response->body);
        self::assertSame([realpath($file)], self::values($response, 'X-Sendfile'));
        self::assertFileExists($file);
    }

    public function testAHandedOverDownloadThatDeletesItsFileIsStreamedByPhpThenDeleted(): void
    {
        $file = (string) tempnam(sys_get_temp_dir(), 'bridge-download-');
        $this->tempFiles[] = $file;
        file_put_contents($file, 'only once');
        BinaryFileResponse::trustXSendfileTypeHeader();
        $symfony = (new BinaryFileResponse($file, 200, ['Content-Type' => 'text/plain']))->deleteFileAfterSend();
        $request = IlluminateRequest::create('/download', 'GET', [], [], [], ['HTTP_X_SENDFILE_TYPE' => 'X-Sendfile']);
        $symfony->prepare($request);

        $response = ResponseFactory::create($request, $symfony);

        self::assertSame([], self::values($response, 'X-Sendfile'), 'PHP would delete the file before Node opened it');
        self::assertSame('only once', implode('', self::drain($response)));
        self::assertFileDoesNotExist($file);
    }

    public function testHeadHasNoBodyEvenForAStream(): void
    {
        $ran = false;
        $symfony = new StreamedResponse(static function () use (&$ran): void {
            $ran = true;
            echo 'body';
        });

        $response = ResponseFactory::create(IlluminateRequest::create('/', 'HEAD'), $symfony);

        self::assertSame('', $response->body);
        self::assertNull($response->stream);
        self::assertFalse($ran);
    }

    public function testAJsonResponseKeepsItsBodyAndType(): void
    {
        $response = ResponseFactory::create(IlluminateRequest::create('/'), new JsonResponse(['a' => 1], 422));

        self::assertSame(422, $response->status);
        self::assertSame('{"a":1}', $response->body);
        self::assertSame(['application/json'], self::values($response, 'Content-Type'));
    }
}
