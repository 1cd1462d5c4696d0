<?php
// A sabre/dav CalDAV server (Debian's php-sabre-dav 1.8, the library under Nextcloud and
// Baïkal) for Belfry's tests, on a SQLite database in $BELFRY_SABRE_DIR.
//
//   php tests/sabre-server/server.php            creates the database (run once, first)
//   php -d sendmail_path=CAPTURE -S 127.0.0.1:PORT tests/sabre-server/server.php
//
// Users (HTTP Basic): ana, bob, lee, carol with the passwords below; principals
// principals/<user> with the address <user>@example.com; a calendar
// calendars/<user>/default/ each; MKCALENDAR makes more under calendars/<user>/. A
// delegate is a member of principals/<owner>/calendar-proxy-write, set with PROPPATCH
// {DAV:}group-member-set (as iCal does; sabre/dav 1.8 gives these group principals no ACL
// of their own, so any signed-in user may change them). The iMIP handler hands scheduling
// messages to PHP's mail(), that is to sendmail_path: sabre/dav 1.8 sends them only for a
// POST of an iTIP message to calendars/<user>/outbox (draft-desruisseaux-caldav-sched-04),
// never on PUT.

const USERS = [
    'ana' => 'ana-app-password',
    'bob' => 'bob-app-password',
    'lee' => 'lee-app-password',
    'carol' => 'carol-canary-app-password',
];

$dir = getenv('BELFRY_SABRE_DIR');
if ($dir === false || $dir === '') {
    fwrite(STDERR, "BELFRY_SABRE_DIR (the database's folder) is not set\n");
    exit(2);
}
$database = $dir . '/sabre.sqlite';

if (PHP_SAPI === 'cli') {
    create_database($database);
    exit(0);
}

require_once 'Sabre/autoload.php';

// RFC 6764: sabre/dav 1.8 has no /.well-known/caldav of its own.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === '/.well-known/caldav' || $path === '/.well-known/caldav/') {
    header('Location: /', true, 301);
    exit;
}

/** HTTP Basic against the fixed users (sabre/dav 1.8's PDO backend does Digest only). */
class TestUsers extends Sabre\DAV\Auth\Backend\AbstractBasic
{
    protected function validateUserPass($username, $password)
    {
        return isset(USERS[$username]) && hash_equals(USERS[$username], (string) $password);
    }
}

$pdo = new PDO('sqlite:' . $database);
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$pdo->exec('PRAGMA busy_timeout = 10000');

$principals = new Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$calendars = new Sabre\CalDAV\Backend\PDO($pdo);

$server = new Sabre\DAV\Server([
    new Sabre\CalDAV\Principal\Collection($principals),
    new Sabre\CalDAV\CalendarRootNode($principals, $calendars),
]);
$server->setBaseUri('/');
$server->addPlugin(new Sabre\DAV\Auth\Plugin(new TestUsers(), 'sabre-dav-test'));
$server->addPlugin(new Sabre\DAVACL\Plugin());
$caldav = new Sabre\CalDAV\Plugin();
$caldav->setIMipHandler(new Sabre\CalDAV\Schedule\IMip('sabre@example.com'));
$server->addPlugin($caldav);
$server->addPlugin(new Sabre\CalDAV\ICSExportPlugin());
$server->exec();

/** The schema of sabre/dav 1.8's sqlite.{principals,calendars}.sql, and the users. */
function create_database(string $database): void
{
    $pdo = new PDO('sqlite:' . $database);
    $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    $pdo->exec(<<<'SQL'
        CREATE TABLE IF NOT EXISTS principals (
            id INTEGER PRIMARY KEY ASC, uri TEXT, email TEXT, displayname TEXT, vcardurl TEXT,
            UNIQUE(uri)
        );
        CREATE TABLE IF NOT EXISTS groupmembers (
            id INTEGER PRIMARY KEY ASC, principal_id INTEGER, member_id INTEGER,
            UNIQUE(principal_id, member_id)
        );
        CREATE TABLE IF NOT EXISTS calendarobjects (
            id integer primary key asc, calendardata blob, uri text, calendarid integer,
            lastmodified integer, etag text, size integer, componenttype text,
            firstoccurence integer, lastoccurence integer
        );
        CREATE TABLE IF NOT EXISTS calendars (
            id integer primary key asc, principaluri text, displayname text, uri text,
            ctag integer, description text, calendarorder integer, calendarcolor text,
            timezone text, components text, transparent bool
        );
        SQL);
    $principal = $pdo->prepare('INSERT OR IGNORE INTO principals (uri, email, displayname) VALUES (?, ?, ?)');
    $calendar = $pdo->prepare(
        "INSERT INTO calendars (principaluri, displayname, uri, ctag, components) SELECT ?, 'Default calendar', 'default', 1, 'VEVENT,VTODO' WHERE NOT EXISTS (SELECT 1 FROM calendars WHERE principaluri = ? AND uri = 'default')"
    );
    foreach (array_keys(USERS) as $user) {
        $principal->execute(["principals/$user", "$user@example.com", ucfirst($user)]);
        $principal->execute(["principals/$user/calendar-proxy-read", null, null]);
        $principal->execute(["principals/$user/calendar-proxy-write", null, null]);
        $calendar->execute(["principals/$user", "principals/$user"]);
    }
}
