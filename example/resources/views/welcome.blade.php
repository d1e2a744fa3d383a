@extends('layouts.app')

@section('title', 'Laravel behind the Node front door')

@section('content')
    <p>
        This page is rendered by Blade through a layout. The same application
        runs unchanged behind the Node.js front door (long-lived PHP workers)
        and behind nginx + php-fpm via <code>public/index.php</code>.
    </p>

    <h2>Try</h2>
    <ul>
        <li><code>GET /api/users</code> &mdash; the users, as JSON</li>
        <li><code>POST /api/users</code> &mdash; <code>{"name": "...", "email": "..."}</code> creates one (422 on invalid input)</li>
        <li><code>GET /api/users/{id}</code> &mdash; one user (404 JSON when missing)</li>
    </ul>
@endsection
