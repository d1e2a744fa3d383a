<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;
use Illuminate\Support\Facades\Storage;

/**
 * Uploads as Laravel apps handle them (test/uploads.test.ts): UploadedFile::store() onto the
 * local disk, UploadedFile::move() to a directory, and routes that leave the temp files to the
 * server (a validation error, an untouched upload).
 */
class UploadController
{
    /**
     * POST /api/uploads/store — multipart with `stored` (kept with store('uploads/<batch>')),
     * `moved` (moved with move() to storage/app/moved/<batch>) and any number of `extra[]`
     * (only described). `batch` (a form field) names the directories.
     */
    public function store(Request $request): JsonResponse
    {
        $batch = preg_replace('/[^a-z0-9-]/i', '', (string) $request->input('batch', 'default'));
        $out = ['batch' => $batch, 'fields' => (object) $request->except(['stored', 'moved', 'extra'])];

        $stored = $request->file('stored');
        if ($stored instanceof UploadedFile) {
            $temp = $stored->getPathname();
            $out['stored'] = $this->describe($stored) + ['temp' => $temp];
            $path = $stored->store("uploads/{$batch}");
            $out['stored']['path'] = $path;
            // The default disk's root: storage/app up to Laravel 10, storage/app/private from 11.
            $out['stored']['file'] = $path === false ? null : Storage::path($path);
            $out['stored']['stored_sha1'] = $path === false ? null : sha1_file(Storage::path($path));
            $out['stored']['temp_still_there'] = is_file($temp);
        }

        $moved = $request->file('moved');
        if ($moved instanceof UploadedFile) {
            $temp = $moved->getPathname();
            $out['moved'] = $this->describe($moved) + ['temp' => $temp];
            $target = $moved->move(storage_path("app/moved/{$batch}"), $moved->getClientOriginalName());
            $out['moved']['path'] = $target->getPathname();
            $out['moved']['moved_sha1'] = sha1_file($target->getPathname());
            $out['moved']['temp_still_there'] = is_file($temp);
        }

        $out['extra'] = [];
        foreach ((array) $request->file('extra', []) as $file) {
            if ($file instanceof UploadedFile) {
                $out['extra'][] = $this->describe($file) + ['temp' => $file->getPathname()];
            }
        }

        return response()->json($out);
    }

    /**
     * POST /api/uploads/reject — validates the upload and fails (422): the app never touches the
     * temp file, which the server must still delete.
     */
    public function reject(Request $request): JsonResponse
    {
        $request->validate(['doc' => ['required', 'file', 'mimes:pdf'], 'never' => ['required']]);

        return response()->json(['unreachable' => true]);
    }

    /**
     * POST /api/uploads/ignore — accepts uploads and only reports where PHP put them.
     */
    public function ignore(Request $request): JsonResponse
    {
        $temps = [];
        foreach ($request->allFiles() as $file) {
            foreach (is_array($file) ? $file : [$file] as $one) {
                $temps[] = $one->getPathname();
            }
        }

        return response()->json(['temps' => $temps]);
    }

    /**
     * POST /api/uploads/exit — the app calls exit() with uploads in flight (as dd() does): the
     * request fails, and the temp files must still go, as PHP deletes them at request shutdown.
     */
    public function exitMidRequest(): void
    {
        exit(0);
    }

    /**
     * POST|PUT /api/uploads/hash — sha256 of every uploaded file (hash_file, never in memory) and
     * of the raw request content read as a stream (getContent(true)), the form fields, and the
     * limits PHP runs with. Optional ?sleep_ms=N waits before answering.
     */
    public function hash(Request $request): JsonResponse
    {
        $files = [];
        foreach ($request->allFiles() as $name => $file) {
            foreach (is_array($file) ? $file : [$file] as $one) {
                $files[] = [
                    'field' => $name,
                    'name' => $one->getClientOriginalName(),
                    'size' => $one->getSize(),
                    'valid' => $one->isValid(),
                    'sha256' => hash_file('sha256', $one->getRealPath()),
                    'temp' => $one->getPathname(),
                ];
            }
        }
        $context = hash_init('sha256');
        $stream = $request->getContent(true);
        $length = 0;
        if (is_resource($stream)) {
            rewind($stream);
            while (!feof($stream)) {
                $chunk = fread($stream, 1 << 20);
                if ($chunk === false || $chunk === '') {
                    break;
                }
                $length += strlen($chunk);
                hash_update($context, $chunk);
            }
        }
        $sleep = (int) $request->query('sleep_ms', '0');
        if ($sleep > 0) {
            usleep(min($sleep, 10000) * 1000);
        }

        return response()->json([
            'files' => $files,
            'fields' => $request->except(array_keys($request->allFiles())),
            'content_length' => $length,
            'content_sha256' => hash_final($context),
            'server_content_length' => $request->server('CONTENT_LENGTH'),
            'post_max_size' => ini_get('post_max_size'),
            'upload_max_filesize' => ini_get('upload_max_filesize'),
            'upload_tmp_dir' => ini_get('upload_tmp_dir'),
        ]);
    }

    /**
     * POST /api/uploads/crash — the PHP process dies (SIGKILL) with an upload in hand: Node must
     * still remove the temp files.
     */
    public function crash(): void
    {
        posix_kill(getmypid(), 9);
        sleep(5);
    }

    /**
     * GET /api/uploads/tmpdir — where uploads are written (upload_tmp_dir or the system temp dir).
     */
    public function tmpdir(): JsonResponse
    {
        return response()->json([
            'upload_tmp_dir' => ini_get('upload_tmp_dir') ?: null,
            'sys_get_temp_dir' => sys_get_temp_dir(),
        ]);
    }

    private function describe(UploadedFile $file): array
    {
        return [
            'name' => $file->getClientOriginalName(),
            'client_mime' => $file->getClientMimeType(),
            'extension' => $file->extension(),
            'size' => $file->getSize(),
            'sha1' => sha1_file($file->getRealPath()),
            'valid' => $file->isValid(),
            'error' => $file->getError(),
        ];
    }
}
