<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Http\UploadedFile;

/**
 * Turns the multipart/form-data body Node parsed (REQUEST_HEAD "form": fields and the files it
 * wrote, names as sent) into the $_POST and $_FILES php-fpm would give the app, nested names like
 * `photos[]` or `a[b][c]` included.
 *
 * The files are Node's: it wrote them to UPLOAD_TMP_DIR and deletes whatever is left of them
 * after the request. The UploadedFiles are created in "test" mode, because
 * is_uploaded_file()/move_uploaded_file() only accept files PHP's own SAPI received: with it,
 * isValid() is true and move() renames the file.
 */
final class UploadedForm
{
    /**
     * @param array{fields: list<array{0:string,1:string}>, files: list<array{0:string,1:array<string,mixed>}>} $form
     *
     * @return array{0: array<string, mixed>, 1: array<string, mixed>} [post fields, files]
     */
    public static function build(array $form): array
    {
        $pairs = [];
        foreach ($form['fields'] as $pair) {
            if (\is_array($pair) && isset($pair[0], $pair[1]) && \is_string($pair[0]) && $pair[0] !== '') {
                $pairs[] = self::encodeName($pair[0]).'='.rawurlencode((string) $pair[1]);
            }
        }
        $fields = [];
        if ($pairs !== []) {
            // parse_str() registers variables exactly as PHP does for a form body.
            parse_str(implode('&', $pairs), $fields);
        }

        $files = [];
        foreach ($form['files'] as $pair) {
            if (!\is_array($pair) || !isset($pair[0], $pair[1]) || !\is_string($pair[0]) || !\is_array($pair[1])) {
                continue;
            }
            $file = $pair[1];
            $error = (int) ($file['error'] ?? UPLOAD_ERR_NO_FILE);
            $type = isset($file['type']) && $file['type'] !== '' ? (string) $file['type'] : null;
            $value = $error === UPLOAD_ERR_OK
                ? new UploadedFile((string) $file['tmp_name'], (string) ($file['name'] ?? ''), $type, UPLOAD_ERR_OK, true)
                // "No file chosen": the $_FILES shape, which Symfony's FileBag turns into null.
                : ['name' => (string) ($file['name'] ?? ''), 'type' => '', 'tmp_name' => '', 'error' => $error, 'size' => 0];
            self::setNested($files, $pair[0], $value);
        }

        return [$fields, $files];
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
