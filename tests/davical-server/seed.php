<?php
// Makes the users of a fresh DAViCal database the way DAViCal makes them (its Principal
// class, then its CreateHomeCollections and CreateDefaultRelationships, as a first login
// through an external authentication hook does): `php seed.php` with BELFRY_DAVICAL_DIR
// naming the test's folder (its davical-conf.php), and BELFRY_DAVICAL_USERS a JSON array
// of {"username", "password", "fullname", "email"}.

$davical_dir = getenv('BELFRY_DAVICAL_DIR');
$users = json_decode(getenv('BELFRY_DAVICAL_USERS'), true);
if ($davical_dir === false || !is_array($users)) {
    fwrite(STDERR, "seed.php: BELFRY_DAVICAL_DIR and BELFRY_DAVICAL_USERS are needed\n");
    exit(2);
}
$htdocs = '/usr/share/davical/htdocs';
// As router.php does: the configuration of the test's folder, found from /etc/davical.
$_SERVER['SERVER_NAME'] = '../..' . rtrim(realpath($davical_dir), '/') . '/davical';
$_SERVER['SERVER_PORT'] = 80;
$_SERVER['SCRIPT_NAME'] = '/seed.php';
$_SERVER['DOCUMENT_ROOT'] = $htdocs;
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REQUEST_URI'] = '/seed.php';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
chdir($htdocs);
require "$htdocs/always.php";
require_once 'Principal.php';
require_once 'auth-functions.php';

foreach ($users as $u) {
    $principal = new Principal('username', $u['username']);
    if ($principal->Exists()) {
        fwrite(STDERR, "seed.php: {$u['username']} exists already\n");
        exit(1);
    }
    $principal->Create(array(
        'username' => $u['username'],
        // DAViCal's "**plaintext" form (awl's session_validate_password).
        'password' => '**' . $u['password'],
        'fullname' => $u['fullname'],
        'email' => $u['email'],
        'active' => true,
        'email_ok' => date('Y-m-d'),
    ));
    if (!CreateHomeCollections($u['username']) || !CreateDefaultRelationships($u['username'])) {
        fwrite(STDERR, "seed.php: home collections of {$u['username']}: " . implode('; ', $c->messages) . "\n");
        exit(1);
    }
    $made = new Principal('username', $u['username']);
    if (!$made->Exists()) {
        fwrite(STDERR, "seed.php: {$u['username']} was not made\n");
        exit(1);
    }
}
echo "ok\n";
