Laravel {{ $laravelVersion }} on PHP {{ $phpVersion }} &middot; {{ config('app.name') }}
