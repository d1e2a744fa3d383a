<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Http\UploadedFile;

/**
 * Parses a multipart/form-data body the way PHP fills $_POST and $_FILES for php-fpm, so uploads
 * reach Laravel as UploadedFile objects (nested names like `photos[]` or `a[b][c]` included).
 *
 * Files are written to upload_tmp_dir (or the system temp dir) and listed in tempFiles(); the
 * adapter deletes whatever is left of them after the request, like PHP does. The UploadedFiles
 * are created in "test" mode, because is_uploaded_file()/move_uploaded_file() only accept files
 * PHP's own SAPI received: with it, isValid() is true and move() renames the file.
 *
 * Size limits are Node's job (its max body size); php.ini's upload_max_filesize and
 * max_file_uploads are not applied here, as in other app servers (RoadRunner, Swoole).
 */
final class MultipartParser
{
    /** @var list<string> */
    private array $tempFiles = [];

    /**
     * @return null|string the boundary of a multipart/form-data Content-Type, or null
     */
    public static function boundary(string $contentType): ?string
    {
        if (stripos($contentType, 'multipart/form-data') !== 0) {
            return null;
        }
        if (!preg_match('/;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^;,\s]{1,200}))/i', $contentType, $m)) {
            return null;
        }

        return ($m[1] ?? '') !== '' ? $m[1] : $m[2];
    }

    /**
     * @return array{0: array<string, mixed>, 1: array<string, mixed>} [post fields, files]
     */
    public function parse(string $body, string $boundary): array
    {
        $delimiter = '--'.$boundary;
        $delimiterLength = \strlen($delimiter);
        $fieldPairs = [];
        $files = [];

        $pos = strpos($body, $delimiter);
        if ($pos === false) {
            return [[], []];
        }
        $pos += $delimiterLength;
        $total = \strlen($body);

        while ($pos < $total) {
            if (substr_compare($body, '--', $pos, 2) === 0) {
                break; // closing delimiter
            }
            // Skip the rest of the delimiter line (transport padding, then CRLF).
            $lineEnd = strpos($body, "\n", $pos);
            if ($lineEnd === false) {
                break;
            }
            $headerStart = $lineEnd + 1;
            $headerEnd = strpos($body, "\r\n\r\n", $headerStart);
            $separatorLength = 4;
            if ($headerEnd === false) {
                $headerEnd = strpos($body, "\n\n", $headerStart);
                $separatorLength = 2;
                if ($headerEnd === false) {
                    break;
                }
            }
            $contentStart = $headerEnd + $separatorLength;
            $next = strpos($body, "\r\n".$delimiter, $contentStart);
            $partEndLength = 2;
            if ($next === false) {
                $next = strpos($body, "\n".$delimiter, $contentStart);
                $partEndLength = 1;
                if ($next === false) {
                    break; // unterminated part: ignored, like PHP
                }
            }
            $headers = self::parseHeaders(substr($body, $headerStart, $headerEnd - $headerStart));
            $content = (string) substr($body, $contentStart, $next - $contentStart);
            $pos = $next + $partEndLength + $delimiterLength;

            $disposition = $headers['content-disposition'] ?? '';
            $params = self::dispositionParams($disposition);
            $name = $params['name'] ?? null;
            if ($name === null || $name === '') {
                continue;
            }
            if (!\array_key_exists('filename', $params)) {
                $fieldPairs[] = self::encodeName($name).'='.rawurlencode($content);
                continue;
            }

            $clientName = $params['filename'];
            $slash = max((int) strrpos($clientName, '/'), (int) strrpos($clientName, '\\'));
            if ($slash > 0 || ($clientName !== '' && ($clientName[0] === '/' || $clientName[0] === '\\'))) {
                $clientName = substr($clientName, $slash + 1);
            }
            if ($clientName === '' && $content === '') {
                // "No file chosen": the $_FILES shape, which Symfony's FileBag turns into null.
                self::setNested($files, $name, ['name' => '', 'type' => '', 'tmp_name' => '', 'error' => UPLOAD_ERR_NO_FILE, 'size' => 0]);
                continue;
            }
            $type = $headers['content-type'] ?? null;
            $dir = \ini_get('upload_tmp_dir') ?: sys_get_temp_dir();
            $tmp = @tempnam($dir, 'php');
            if ($tmp === false || @file_put_contents($tmp, $content) !== \strlen($content)) {
                if ($tmp !== false) {
                    @unlink($tmp);
                }
                self::setNested($files, $name, new UploadedFile('', $clientName, $type, UPLOAD_ERR_CANT_WRITE, true));
                continue;
            }
            $this->tempFiles[] = $tmp;
            self::setNested($files, $name, new UploadedFile($tmp, $clientName, $type, UPLOAD_ERR_OK, true));
        }

        $fields = [];
        if ($fieldPairs !== []) {
            parse_str(implode('&', $fieldPairs), $fields);
        }

        return [$fields, $files];
    }

    /** @return list<string> temp files written by parse() */
    public function tempFiles(): array
    {
        return $this->tempFiles;
    }

    /** Deletes the temp files that the app did not move away. */
    public function cleanup(): void
    {
        foreach ($this->tempFiles as $file) {
            if (is_file($file)) {
                @unlink($file);
            }
        }
        $this->tempFiles = [];
    }

    /** @return array<string, string> lower-case header name => value */
    private static function parseHeaders(string $block): array
    {
        $headers = [];
        foreach (preg_split('/\r?\n/', $block) as $line) {
            $colon = strpos($line, ':');
            if ($colon === false) {
                continue;
            }
            $headers[strtolower(trim(substr($line, 0, $colon)))] = trim(substr($line, $colon + 1));
        }

        return $headers;
    }

    /** @return array<string, string> parameters of a Content-Disposition value (name, filename, ...) */
    private static function dispositionParams(string $value): array
    {
        $params = [];
        preg_match_all('/;\s*([a-zA-Z0-9_*-]+)\s*=\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))/', $value, $matches, PREG_SET_ORDER);
        foreach ($matches as $m) {
            $key = strtolower($m[1]);
            // Like PHP's rfc1867 parser, only \" is unescaped (IE sends C:\dir\a.txt as is).
            $raw = isset($m[3]) && $m[3] !== '' ? trim($m[3]) : str_replace('\\"', '"', $m[2]);
            if ($key === 'filename*') {
                // RFC 5987: charset'lang'percent-encoded; used only when there is no plain filename.
                if (!isset($params['filename']) && preg_match("/^[^']*'[^']*'(.*)$/", $raw, $ext)) {
                    $params['filename'] = rawurldecode($ext[1]);
                }
                continue;
            }
            $params[$key] = $raw;
        }

        return $params;
    }

    /** Percent-encodes a field name for parse_str() but keeps its [ ] so nesting works as in PHP. */
    private static function encodeName(string $name): string
    {
        return str_replace(['%5B', '%5D'], ['[', ']'], rawurlencode($name));
    }

    /**
     * Puts $value at the path a PHP variable name like "a[b][]" describes (PHP's rules: the base
     * name ends at the first "[", "." and " " in it become "_", "[]" appends).
     *
     * @param array<string, mixed> $target
     */
    private static function setNested(array &$target, string $name, mixed $value): void
    {
        $bracket = strpos($name, '[');
        $base = $bracket === false ? $name : substr($name, 0, $bracket);
        $base = strtr(ltrim($base, ' '), '. ', '__');
        if ($base === '') {
            return;
        }
        $keys = [];
        if ($bracket !== false && preg_match_all('/\[([^\]]*)\]/', substr($name, $bracket), $m)) {
            $keys = $m[1];
        }
        $ref = &$target;
        $path = array_merge([$base], $keys);
        $last = \count($path) - 1;
        foreach ($path as $i => $key) {
            if ($i === $last) {
                if ($key === '') {
                    $ref[] = $value;
                } else {
                    $ref[$key] = $value;
                }
                break;
            }
            if ($key === '') {
                $ref[] = [];
                end($ref);
                $key = key($ref);
            } elseif (!isset($ref[$key]) || !\is_array($ref[$key])) {
                $ref[$key] = [];
            }
            $ref = &$ref[$key];
        }
        unset($ref);
    }
}
