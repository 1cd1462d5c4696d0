<?php
// DAViCal (Debian's `davical`, /usr/share/davical) under PHP's built-in web server, for
// Belfry's tests (tests/testkit/src/davical.rs): `php -S 127.0.0.1:PORT -t HTDOCS router.php`,
// with BELFRY_DAVICAL_DIR naming the test's folder, which holds `davical-conf.php`.
//
// What Apache's rewrites do in DAViCal's documented setup: `/.well-known/*` and
// `/caldav.php/*` go to caldav.php with the rest as PATH_INFO; other PHP pages are run as
// they are; anything else is a static file of htdocs.
//
// DAViCal reads its configuration from `/etc/davical/<SERVER_NAME>-conf.php` before
// `/etc/davical/config.php` (htdocs/always.php), and has no other way to be told where it
// is. Rather than write to /etc, SERVER_NAME is set to a relative path from /etc/davical to
// the test's folder; that configuration sets SERVER_NAME back to 127.0.0.1 at once.

$davical_dir = getenv('BELFRY_DAVICAL_DIR');
if ($davical_dir === false || !is_file("$davical_dir/davical-conf.php")) {
    http_response_code(500);
    echo "BELFRY_DAVICAL_DIR does not name a folder with davical-conf.php\n";
    return true;
}
$htdocs = '/usr/share/davical/htdocs';

function belfry_davical_config_name($dir) {
    // From /etc/davical up to /, then down to the folder: "../../tmp/x/davical".
    return '../..' . rtrim(realpath($dir), '/') . '/davical';
}

$uri = $_SERVER['REQUEST_URI'];
$path = rawurldecode(parse_url($uri, PHP_URL_PATH) ?? '/');

if (preg_match('{^/\.well-known/}', $path)) {
    $script = 'caldav.php';
    $path_info = $path;
} elseif (preg_match('{^/caldav\.php(/.*)?$}', $path, $m)) {
    $script = 'caldav.php';
    $path_info = isset($m[1]) ? $m[1] : '/';
} elseif (preg_match('{^/([a-z_-]+\.php)(/.*)?$}', $path, $m) && is_file("$htdocs/{$m[1]}")) {
    $script = $m[1];
    $path_info = isset($m[2]) ? $m[2] : null;
} elseif ($path === '/') {
    $script = 'index.php';
    $path_info = null;
} else {
    return false; // a static file, or a 404
}

$_SERVER['SCRIPT_NAME'] = "/$script";
$_SERVER['PHP_SELF'] = "/$script" . ($path_info ?? '');
$_SERVER['SCRIPT_FILENAME'] = "$htdocs/$script";
$_SERVER['DOCUMENT_ROOT'] = $htdocs;
if ($path_info === null) {
    unset($_SERVER['PATH_INFO']);
} else {
    $_SERVER['PATH_INFO'] = $path_info;
}
$_SERVER['SERVER_NAME'] = belfry_davical_config_name($davical_dir);
chdir($htdocs);
require "$htdocs/$script";
return true;
