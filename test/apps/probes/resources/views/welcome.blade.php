@extends('probes::layouts.app')

@section('title', $title)

@section('content')
    <p>
        This page is rendered by Blade through a layout. The same application
        runs unchanged behind the Node.js front door (long-lived PHP workers)
        and behind nginx + php-fpm via <code>public/index.php</code>.
    </p>

    <h2>Endpoints</h2>
    <ul>
        @foreach ($endpoints as $endpoint)
            <li><code>{{ $endpoint }}</code></li>
        @endforeach
    </ul>
@endsection
