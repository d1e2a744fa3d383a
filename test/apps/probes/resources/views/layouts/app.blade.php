<!DOCTYPE html>
<html lang="{{ str_replace('_', '-', app()->getLocale()) }}">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>@yield('title', config('app.name'))</title>
    <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2937; background: #f9fafb; }
        header, main, footer { max-width: 48rem; margin: 0 auto; padding: 1rem 1.5rem; }
        header h1 { margin-bottom: 0; }
        code { background: #e5e7eb; padding: 0 .25rem; border-radius: .25rem; }
        footer { color: #6b7280; font-size: .875rem; }
    </style>
</head>
<body>
    <header>
        <h1>@yield('title', config('app.name'))</h1>
    </header>

    <main>
        @yield('content')
    </main>

    <footer>
        @include('probes::partials.footer')
    </footer>
</body>
</html>
