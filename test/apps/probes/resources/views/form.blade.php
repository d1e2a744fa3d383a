@extends('probes::layouts.app')

@section('title', 'Form')

@section('content')
    @if ($status !== '')
        <p class="status">{{ $status }}</p>
    @endif
    @if ($errors->any())
        <ul class="errors">
            @foreach ($errors->all() as $error)
                <li>{{ $error }}</li>
            @endforeach
        </ul>
    @endif
    <form method="POST" action="{{ url('/form') }}">
        @csrf
        @method('PUT')
        <label>Name <input name="name" value="{{ old('name', $name) }}"></label>
        <button type="submit">Save</button>
    </form>
@endsection
