<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Http\Request as IlluminateRequest;
use Illuminate\Http\UploadedFile;
use LaravelRust\Bridge\Laravel\RequestFactory;
use LaravelRust\Bridge\Protocol\Request;

/** Protocol request -> Illuminate request, with the $_SERVER/$_POST/$_COOKIE/$_FILES php-fpm builds. */
final class RequestFactoryTest extends LaravelTestCase
{
    private RequestFactory $factory;

    protected function setUp(): void
    {
        $this->bootApp();
        $this->factory = new RequestFactory($this->app);
    }

    /** @var list<string> files a test wrote as Node would */
    private array $written = [];

    protected function tearDown(): void
    {
        foreach ($this->written as $path) {
            @unlink($path);
        }
    }

    private function create(Request $request): IlluminateRequest
    {
        return $this->factory->create($request);
    }

    public function testMethodUriAndQueryBecomeServerVariables(): void
    {
        $request = $this->create(self::request('GET', '/shop/items?x=1&y[]=2&y[]=3', [], '', [
            'remoteAddr' => '10.1.2.3', 'remotePort' => 5555, 'serverAddr' => '10.0.0.1', 'serverPort' => 8080,
            'protocol' => 'HTTP/1.0', 'time' => 1700000000.25,
        ]));

        $server = $request->server;
        self::assertSame('GET', $server->get('REQUEST_METHOD'));
        self::assertSame('/shop/items?x=1&y[]=2&y[]=3', $server->get('REQUEST_URI'));
        self::assertSame('x=1&y[]=2&y[]=3', $server->get('QUERY_STRING'));
        self::assertSame('HTTP/1.0', $server->get('SERVER_PROTOCOL'));
        self::assertSame('10.1.2.3', $server->get('REMOTE_ADDR'));
        self::assertSame('5555', $server->get('REMOTE_PORT'));
        self::assertSame('10.0.0.1', $server->get('SERVER_ADDR'));
        self::assertSame('8080', $server->get('SERVER_PORT'));
        self::assertSame(1700000000, $server->get('REQUEST_TIME'));
        self::assertSame(1700000000.25, $server->get('REQUEST_TIME_FLOAT'));
        self::assertSame('/index.php', $server->get('SCRIPT_NAME'));
        self::assertSame($this->app->publicPath().'/index.php', $server->get('SCRIPT_FILENAME'));
        self::assertSame('http', $server->get('REQUEST_SCHEME'));
        self::assertFalse($server->has('HTTPS'));

        self::assertSame('GET', $request->getMethod());
        self::assertSame('shop/items', $request->path());
        self::assertSame('1', $request->query('x'));
        self::assertSame(['2', '3'], $request->query('y'));
        self::assertSame('10.1.2.3', $request->ip());
    }

    public function testHeadersBecomeHttpVariablesAndContentTypeAndLengthCgiOnes(): void
    {
        $request = $this->create(self::request('POST', '/h', [
            ['x-custom-thing', 'v1'],
            ['accept', 'application/json'],
            ['content-type', 'text/plain'],
            ['content-length', '999'],
            ['x_underscored', 'dropped'],
        ], 'hello'));

        $server = $request->server;
        self::assertSame('v1', $server->get('HTTP_X_CUSTOM_THING'));
        self::assertSame('application/json', $server->get('HTTP_ACCEPT'));
        self::assertSame('text/plain', $server->get('CONTENT_TYPE'));
        self::assertSame('text/plain', $server->get('HTTP_CONTENT_TYPE'));
        self::assertSame('5', $server->get('CONTENT_LENGTH'), 'CONTENT_LENGTH is the length of the body received');
        self::assertSame('5', $server->get('HTTP_CONTENT_LENGTH'));
        self::assertFalse($server->has('HTTP_X_UNDERSCORED'), 'header names with "_" are dropped, as nginx does');
        self::assertSame('v1', $request->header('x-custom-thing'));
        self::assertSame('hello', $request->getContent());
    }

    public function testNoBodyLeavesContentTypeAndLengthEmpty(): void
    {
        $request = $this->create(self::request('GET', '/'));

        self::assertSame('', $request->server->get('CONTENT_TYPE'));
        self::assertSame('', $request->server->get('CONTENT_LENGTH'));
        self::assertFalse($request->headers->has('content-length'));
        self::assertFalse($request->headers->has('content-type'));
    }

    public function testHttpsSetsHttpsOnAndTheScheme(): void
    {
        $request = $this->create(self::request('GET', '/secure', [['host', 'example.com']], '', ['https' => true, 'serverPort' => 443]));

        self::assertSame('on', $request->server->get('HTTPS'));
        self::assertSame('https', $request->server->get('REQUEST_SCHEME'));
        self::assertTrue($request->isSecure());
        self::assertSame('https://example.com/secure', $request->url());
    }

    /** @return iterable<string, array{?string, string, string}> Host header, SERVER_NAME, getHost() */
    public static function hosts(): iterable
    {
        yield 'name' => ['example.com', 'example.com', 'example.com'];
        yield 'name and port' => ['example.com:8080', 'example.com', 'example.com'];
        yield 'IPv4 and port' => ['192.0.2.7:81', '192.0.2.7', '192.0.2.7'];
        yield 'IPv6' => ['[2001:db8::1]', '[2001:db8::1]', '[2001:db8::1]'];
        yield 'IPv6 and port' => ['[::1]:8080', '[::1]', '[::1]'];
        yield 'no Host header: the server address' => [null, '10.0.0.9', '10.0.0.9'];
    }

    /** @dataProvider hosts */
    public function testServerNameIsTheHostWithoutItsPort(?string $host, string $serverName, string $getHost): void
    {
        $headers = $host === null ? [] : [['host', $host]];
        $request = $this->create(self::request('GET', '/', $headers, '', ['serverAddr' => '10.0.0.9', 'noHost' => $host === null]));

        self::assertSame($serverName, $request->server->get('SERVER_NAME'));
        self::assertSame($getHost, $request->getHost());
    }

    public function testRepeatedHeadersAreJoinedWithCommaAndCookiesWithSemicolon(): void
    {
        $request = $this->create(self::request('GET', '/', [
            ['x-forwarded-thing', 'a'],
            ['cookie', 'first=1'],
            ['x-forwarded-thing', 'b'],
            ['cookie', 'second=2; third=3'],
        ]));

        self::assertSame('a, b', $request->server->get('HTTP_X_FORWARDED_THING'));
        self::assertSame('first=1; second=2; third=3', $request->server->get('HTTP_COOKIE'));
        self::assertSame(['first' => '1', 'second' => '2', 'third' => '3'], $request->cookies->all());
    }

    public function testCookiesAreParsedLikePhp(): void
    {
        self::assertSame(
            ['plain' => 'v', 'enc' => 'a b+c;', 'spaced' => 'x', 'arr' => ['k' => '1']],
            RequestFactory::parseCookies('plain=v; enc=a%20b+c%3B;   spaced=x; arr[k]=1'),
            'values raw-url-decoded ("+" stays), leading spaces of names dropped, a[b] nested',
        );
        self::assertSame(['dup' => 'first'], RequestFactory::parseCookies('dup=first; dup=second'), 'the first of a repeated name wins');
        self::assertSame(['a_b' => '1'], RequestFactory::parseCookies('a.b=1'), 'dots in names become "_"');
        self::assertSame(['c' => '1'], RequestFactory::parseCookies('=x; c=1'), 'a pair without a name is dropped');
    }

    /**
     * What php-fpm 8.2 put in $_COOKIE for these Cookie headers (observed: php-fpm8.2 behind a
     * FastCGI client, script `echo json_encode($_COOKIE)`).
     *
     * @return iterable<string, array{string, array<string, mixed>}>
     */
    public static function phpFpmCookies(): iterable
    {
        yield 'repeated name: first wins' => ['a=1; a=2', ['a' => '1']];
        yield 'values raw-url-decoded' => [' b=x+y%20z', ['b' => 'x+y z']];
        yield 'dot in a name' => ['a.b=1', ['a_b' => '1']];
        yield 'empty name dropped' => ['=x; c=1', ['c' => '1']];
        yield 'nested names merge' => ['a[b]=1; a[c]=2', ['a' => ['b' => '1', 'c' => '2']]];
        yield 'names are not url-decoded (PHP >= 7.4.11, CVE-2020-7070)' => ['na%6De=v', ['na%6De' => 'v']];
        yield 'an encoded __Host- prefix is not decoded' => ['%5F%5FHost-id=forged', ['%5F%5FHost-id' => 'forged']];
        yield 'a pair without "=" is an empty value' => ['flag; bar=1', ['flag' => '', 'bar' => '1']];
    }

    /**
     * @dataProvider phpFpmCookies
     *
     * @param array<string, mixed> $expected
     */
    public function testCookiesMatchPhpFpm(string $header, array $expected): void
    {
        self::assertSame($expected, RequestFactory::parseCookies($header));
    }

    /** @return iterable<string, array{string}> */
    public static function formMethods(): iterable
    {
        foreach (['POST', 'PUT', 'PATCH', 'DELETE'] as $method) {
            yield $method => [$method];
        }
    }

    /** @dataProvider formMethods */
    public function testFormUrlencodedBodiesAreParsed(string $method): void
    {
        $request = $this->create(self::request($method, '/form?q=1', [['content-type', 'application/x-www-form-urlencoded; charset=UTF-8']], 'name=Ada+L&tags[]=x&tags[]=y'));

        self::assertSame(['name' => 'Ada L', 'tags' => ['x', 'y']], $request->request->all());
        self::assertSame('Ada L', $request->input('name'));
        self::assertSame('1', $request->input('q'));
        self::assertSame('name=Ada+L&tags[]=x&tags[]=y', $request->getContent());
    }

    public function testAFormBodyOnGetIsNotParsed(): void
    {
        $request = $this->create(self::request('GET', '/form', [['content-type', 'application/x-www-form-urlencoded']], 'name=Ada'));

        self::assertSame([], $request->request->all());
        self::assertNull($request->input('name'));
    }

    public function testAFormNodeParsedBecomesFieldsAndUploadedFiles(): void
    {
        [$form, $this->written] = self::form([['title', 'Report'], ['meta[lang]', 'en'], ['tags[]', 'a'], ['tags[]', 'b']], ['doc' => ['report.txt', "line 1\nline 2", 'text/plain']]);
        $request = $this->create(self::request('POST', '/upload', [['content-type', 'multipart/form-data; boundary=x']], '', ['form' => $form, 'bodySize' => 321]));

        self::assertSame('Report', $request->input('title'));
        self::assertSame(['lang' => 'en'], $request->input('meta'));
        self::assertSame(['a', 'b'], $request->input('tags'));
        $file = $request->file('doc');
        self::assertInstanceOf(UploadedFile::class, $file);
        self::assertTrue($file->isValid());
        self::assertSame('report.txt', $file->getClientOriginalName());
        self::assertSame('text/plain', $file->getClientMimeType());
        self::assertSame("line 1\nline 2", $file->getContent());
        self::assertSame($this->written[0], $file->getPathname());
        self::assertSame('', $request->getContent(), 'php://input is empty for multipart/form-data');
        self::assertSame('321', $request->server->get('CONTENT_LENGTH'), 'the size of the body the client sent');
    }

    public function testNestedFileNamesAndNoFileChosen(): void
    {
        [$form, $this->written] = self::form([], ['photos[]' => ['a.png', 'A', 'image/png'], 'doc[main]' => ['m.txt', 'M', 'text/plain']]);
        $form['files'][] = ['photos[]', ['name' => 'b.png', 'type' => 'image/png', 'tmp_name' => $this->written[0], 'error' => 0, 'size' => 1]];
        $form['files'][] = ['empty', ['name' => '', 'type' => '', 'tmp_name' => '', 'error' => UPLOAD_ERR_NO_FILE, 'size' => 0]];
        $request = $this->create(self::request('POST', '/upload', [['content-type', 'multipart/form-data; boundary=x']], '', ['form' => $form]));

        self::assertSame(['a.png', 'b.png'], array_map(static fn (UploadedFile $f) => $f->getClientOriginalName(), $request->file('photos')));
        self::assertSame('m.txt', $request->file('doc')['main']->getClientOriginalName());
        self::assertNull($request->file('empty'), 'UPLOAD_ERR_NO_FILE is no file, as FileBag makes it');
    }

    public function testABodyNodeSpooledToAFileIsTheContent(): void
    {
        $path = (string) tempnam(sys_get_temp_dir(), 'body-test-');
        $this->written[] = $path;
        file_put_contents($path, '{"name":"Ada"}');
        $request = $this->create(self::request('POST', '/api/things', [['content-type', 'application/json']], '', ['bodyFile' => $path, 'bodySize' => 14]));

        self::assertSame('{"name":"Ada"}', $request->getContent());
        self::assertSame('Ada', $request->input('name'));
        self::assertIsResource($request->getContent(true));
        self::assertSame('14', $request->server->get('CONTENT_LENGTH'));
    }

    public function testAUrlencodedBodyInAFileIsParsed(): void
    {
        $path = (string) tempnam(sys_get_temp_dir(), 'body-test-');
        $this->written[] = $path;
        file_put_contents($path, 'name=Ada+L&tags[]=x');
        $request = $this->create(self::request('POST', '/form', [['content-type', 'application/x-www-form-urlencoded']], '', ['bodyFile' => $path, 'bodySize' => 19]));

        self::assertSame(['name' => 'Ada L', 'tags' => ['x']], $request->request->all());
    }

    public function testTheSendfileTypeIsTheBridgesNeverTheClients(): void
    {
        $spoofed = [['x-sendfile-type', 'X-Accel-Redirect']];
        $handing = (new RequestFactory($this->app, true))->create(self::request('GET', '/d', $spoofed));
        $plain = $this->create(self::request('GET', '/d', $spoofed));

        self::assertSame('X-Sendfile', $handing->headers->get('X-Sendfile-Type'));
        self::assertNull($plain->headers->get('X-Sendfile-Type'), 'with the handover off, a client cannot ask for it');
    }

    public function testMultipartPutKeepsTheRawBodyAsPhpFpmDoes(): void
    {
        // Node parses multipart only for POST (as PHP does): a PUT's body arrives raw.
        $body = "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n";
        $request = $this->create(self::request('PUT', '/upload', [['content-type', 'multipart/form-data; boundary=x']], $body));

        self::assertSame([], $request->request->all());
        self::assertSame([], $request->files->all());
        self::assertSame($body, $request->getContent());
    }

    public function testJsonBodyIsTheInput(): void
    {
        $request = $this->create(self::request('POST', '/api/things?page=2', [['content-type', 'application/json']], '{"name":"Ada","nested":{"n":1}}'));

        self::assertTrue($request->isJson());
        self::assertSame('Ada', $request->input('name'));
        self::assertSame(1, $request->input('nested.n'));
        self::assertSame('2', $request->input('page'));
        self::assertSame(['name' => 'Ada', 'nested' => ['n' => 1]], $request->json()->all());
    }

    /**
     * Laravel 10-12 build the request directly, not through createFromBase(): the result must be
     * the request createFromBase() gives for the same inputs (JSON, form, query and cookies).
     *
     * @dataProvider requestShapes
     */
    public function testTheDirectConstructionMatchesCreateFromBase(string $method, string $uri, array $headers, string $body): void
    {
        $request = $this->create(self::request($method, $uri, $headers, $body));
        $symfony = new \Symfony\Component\HttpFoundation\Request(
            // The same inputs: for a JSON body the form fields are empty and the JSON becomes the input.
            $request->query->all(), $request->isJson() ? [] : $request->request->all(),
            [], $request->cookies->all(), [], $request->server->all(), $request->getContent()
        );
        $reference = IlluminateRequest::createFromBase($symfony);

        self::assertSame($reference->query->all(), $request->query->all());
        self::assertSame($reference->request->all(), $request->request->all());
        self::assertSame($reference->cookies->all(), $request->cookies->all());
        self::assertSame($reference->server->all(), $request->server->all());
        self::assertSame($reference->headers->all(), $request->headers->all());
        self::assertSame($reference->getContent(), $request->getContent());
        self::assertSame($reference->all(), $request->all());
        self::assertSame($reference->isJson(), $request->isJson());
    }

    /** @return array<string, array{string, string, list<array{string, string}>, string}> */
    public static function requestShapes(): array
    {
        return [
            'GET with a query and cookies' => ['GET', '/search?q=a+b&tags[]=x&tags[]=y', [['host', 'example.test'], ['cookie', 'a=1; b=two']], ''],
            'JSON POST' => ['POST', '/api/things?page=2', [['content-type', 'application/json'], ['accept', 'application/json']], '{"name":"Ada","n":[1,2]}'],
            'form POST' => ['POST', '/form', [['content-type', 'application/x-www-form-urlencoded']], 'a=1&b%5B%5D=2&b%5B%5D=3'],
            'text PUT' => ['PUT', '/raw', [['content-type', 'text/plain']], 'just text'],
        ];
    }
}
