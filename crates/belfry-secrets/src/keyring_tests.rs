//! The keyring layout against keyring-core's mock store, wrapped so that it can be made to
//! stop at any operation, as if the process died there.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};

use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{Credential, mock};

use super::*;

const KEY: &str = "account/x/refresh-token";
/// More store operations than any one write or delete takes.
const MAX_STEPS: usize = 1_000;

fn s(v: &str) -> Sensitive<String> {
    Sensitive::new(v.to_owned())
}

/// A long value of `chunks` full chunks of `fill`, so that any mix of two differs from both.
fn long(fill: char, chunks: usize) -> String {
    let mut value = String::new();
    for i in 0..chunks {
        let c = char::from_u32(u32::from(fill) + u32::try_from(i).unwrap()).unwrap();
        value.extend(std::iter::repeat_n(c, CHUNK / c.len_utf8()));
    }
    value
}

/// Counts the operations on a store's entries and fails every one from `crash_at` on.
#[derive(Debug)]
struct Ops {
    done: AtomicUsize,
    crash_at: AtomicUsize,
}

impl Ops {
    fn step(&self) -> keyring_core::Result<()> {
        if self.done.fetch_add(1, Ordering::SeqCst) >= self.crash_at.load(Ordering::SeqCst) {
            return Err(KError::PlatformFailure("the process died here".into()));
        }
        Ok(())
    }
}

/// keyring-core's mock store behind [`Ops`].
#[derive(Debug)]
struct CrashingStore {
    inner: Arc<mock::Store>,
    ops: Arc<Ops>,
}

impl CrashingStore {
    /// A keyring on a fresh store that has not crashed.
    fn keyring() -> (Keyring, Arc<CrashingStore>) {
        let store = Arc::new(CrashingStore {
            inner: Arc::new(mock::Store {
                id: "crashing".into(),
                inner: Mutex::new(std::cell::RefCell::new(Vec::new())),
            }),
            ops: Arc::new(Ops {
                done: AtomicUsize::new(0),
                crash_at: AtomicUsize::new(usize::MAX),
            }),
        });
        (Keyring::with_store(store.clone()), store)
    }

    /// Lets `steps` more operations through, then fails all others.
    fn crash_after(&self, steps: usize) {
        self.ops.done.store(0, Ordering::SeqCst);
        self.ops.crash_at.store(steps, Ordering::SeqCst);
    }

    /// Works again, as after a restart.
    fn revive(&self) {
        self.crash_after(usize::MAX);
    }

    /// The names of the entries holding a value, sorted.
    fn names(&self) -> Vec<String> {
        let creds = self.inner.inner.lock().unwrap();
        let mut names: Vec<String> = creds
            .borrow()
            .iter()
            .filter(|c| c.inner.lock().unwrap().borrow().secret.is_some())
            .map(|c| c.specifiers.1.clone())
            .collect();
        names.sort();
        names
    }
}

impl CredentialStoreApi for CrashingStore {
    fn vendor(&self) -> String {
        "Belfry's crashing mock".into()
    }

    fn id(&self) -> String {
        self.inner.id.clone()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let inner = self.inner.build(service, user, modifiers)?;
        let ops = self.ops.clone();
        Ok(Entry::new_with_credential(Arc::new(CrashingCred {
            inner,
            ops,
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct CrashingCred {
    inner: Entry,
    ops: Arc<Ops>,
}

impl CredentialApi for CrashingCred {
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        self.ops.step()?;
        self.inner.set_secret(secret)
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.ops.step()?;
        self.inner.get_secret()
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.ops.step()?;
        self.inner.delete_credential()
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        self.ops.step()?;
        self.inner.get_credential().map(|_| None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        self.inner.get_specifiers()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Writes `value` under `key` exactly as Belfry did before the v2 layout.
fn write_v1(k: &Keyring, key: &str, value: &str) {
    let parts = chunks::split(value);
    for (i, part) in parts.iter().enumerate() {
        k.raw_set(&format!("{key}#part{i}"), part).unwrap();
    }
    k.raw_set(key, &format!("belfry-chunked:v1:{}", parts.len()))
        .unwrap();
}

/// The entries `key` should consist of, judged by its head.
fn expected_names(k: &Keyring, key: &str) -> Vec<String> {
    let Some(head) = k.raw_get(key).unwrap() else {
        return Vec::new();
    };
    let mut names = vec![key.to_owned()];
    if let Some((set, count)) = Layout::parse(&head).unwrap().chunks() {
        names.extend((0..count).map(|i| set.entry_name(key, i)));
    }
    names.sort();
    names
}

/// What a key holds before the operation under test.
enum Before {
    Nothing,
    Value(String),
    V1(String),
}

impl Before {
    fn prepare(&self) -> (Keyring, Arc<CrashingStore>) {
        let (k, store) = CrashingStore::keyring();
        match self {
            Before::Nothing => {}
            Before::Value(v) => k.set(KEY, &s(v)).unwrap(),
            Before::V1(v) => write_v1(&k, KEY, v),
        }
        (k, store)
    }

    fn label(&self) -> String {
        match self {
            Before::Nothing => "nothing".into(),
            Before::Value(v) => describe(Some(v)),
            Before::V1(v) => format!("{} in the v1 layout", describe(Some(v))),
        }
    }

    fn value(&self) -> Option<String> {
        match self {
            Before::Nothing => None,
            Before::Value(v) | Before::V1(v) => Some(v.clone()),
        }
    }
}

/// `Some(value)` sets it, `None` deletes the key.
fn apply(k: &Keyring, after: Option<&str>) -> Result<(), SecretsError> {
    match after {
        Some(v) => k.set(KEY, &s(v)),
        None => k.delete(KEY).map(|_| ()),
    }
}

/// The value under [`KEY`]; reading must work whatever happened before.
fn read(k: &Keyring, context: &str) -> Option<String> {
    k.get(KEY)
        .unwrap_or_else(|e| panic!("{context}: reading failed: {e}"))
        .map(Sensitive::into_inner)
}

/// How a read compares, without printing kilobytes of test values.
fn describe(value: Option<&String>) -> String {
    value.map_or("nothing".into(), |v| format!("{} bytes", v.len()))
}

/// After a crash and a restart: writing works again, and each write leaves exactly its
/// own entries behind.
fn assert_recovers(k: &Keyring, store: &CrashingStore, context: &str) {
    for next in [s(&long('m', 2)), s("short"), s(&long('n', 4))] {
        k.set(KEY, &next)
            .unwrap_or_else(|e| panic!("{context}: writing failed: {e}"));
        assert_eq!(read(k, context).as_ref(), Some(next.expose()), "{context}");
        assert_eq!(store.names(), expected_names(k, KEY), "{context}");
    }
    assert!(k.delete(KEY).unwrap());
    assert_eq!(store.names(), Vec::<String>::new(), "{context}");
}

/// Runs `before` → `after` once per operation it takes, crashing at that operation: each
/// time the key holds the complete old or the complete new value, and recovers.
fn crash_at_every_step(before: &Before, after: Option<&str>) {
    let old = before.value();
    let new = after.map(str::to_owned);
    for crash_at in 0..MAX_STEPS {
        let (k, store) = before.prepare();
        store.crash_after(crash_at);
        let done = apply(&k, after).is_ok();
        store.revive();
        let context = format!(
            "{} → {}, crash at step {crash_at}",
            before.label(),
            describe(new.as_ref())
        );
        let got = read(&k, &context);
        assert!(
            got == old || got == new,
            "{context}: read {}, neither old ({}) nor new",
            describe(got.as_ref()),
            describe(old.as_ref()),
        );
        if done {
            assert_eq!(got, new, "{context}");
        }
        assert_recovers(&k, &store, &context);
        if done {
            assert!(crash_at > 0, "the operation touched the store");
            return;
        }
    }
    panic!(
        "{} → {} never completed",
        before.label(),
        describe(new.as_ref())
    );
}

#[test]
fn a_crash_at_any_step_of_a_rewrite_leaves_the_old_or_the_new_value() {
    let three = long('a', 3);
    let other_three = long('A', 3);
    let two = long('b', 2);
    let five = long('ä', 5);
    let cases = [
        (Before::Nothing, Some(three.as_str())),
        (Before::Value("short".into()), Some(&three)),
        (Before::Value(three.clone()), Some(&other_three)),
        (Before::Value(three.clone()), Some(&two)),
        (Before::Value(two.clone()), Some(&five)),
        (Before::Value(three.clone()), Some("short")),
        (Before::Value("short".into()), Some("other")),
        (Before::V1(three.clone()), Some(&other_three)),
        (Before::V1(three.clone()), Some("short")),
        (Before::Value(three.clone()), None),
        (Before::V1(three.clone()), None),
    ];
    for (before, after) in &cases {
        crash_at_every_step(before, *after);
    }
}

#[test]
fn a_crash_while_recovering_from_a_crash_still_leaves_a_whole_value() {
    let first = long('a', 3);
    let second = long('A', 3);
    let third = long('b', 2);
    for crash_first in 0..MAX_STEPS {
        let (k, store) = Before::Value(first.clone()).prepare();
        store.crash_after(crash_first);
        let first_done = k.set(KEY, &s(&second)).is_ok();
        store.revive();
        let between = read(&k, "after the first crash");
        assert!(between.as_ref() == Some(&first) || between.as_ref() == Some(&second));
        for crash_second in 0..MAX_STEPS {
            let (k, store) = Before::Value(first.clone()).prepare();
            store.crash_after(crash_first);
            let _ = k.set(KEY, &s(&second));
            store.crash_after(crash_second);
            let second_done = k.set(KEY, &s(&third)).is_ok();
            store.revive();
            let context = format!("crashes at steps {crash_first} and {crash_second}");
            let got = read(&k, &context);
            assert!(
                got == between || got.as_ref() == Some(&third),
                "{context}: read {}",
                describe(got.as_ref())
            );
            assert_recovers(&k, &store, &context);
            if second_done {
                break;
            }
            assert!(
                crash_second + 1 < MAX_STEPS,
                "the second write never completed"
            );
        }
        if first_done {
            return;
        }
    }
    panic!("the first write never completed");
}

#[test]
fn threads_sharing_a_keyring_never_see_a_half_written_value() {
    let k = Keyring::mock();
    let values: Vec<String> = (0..4).map(|i| long(char::from(b'a' + 4 * i), 3)).collect();
    k.set(KEY, &s(&values[0])).unwrap();
    std::thread::scope(|scope| {
        for value in &values {
            let (k, values) = (k.clone(), &values);
            scope.spawn(move || {
                for _ in 0..50 {
                    k.set(KEY, &s(value)).unwrap();
                    let got = k.get(KEY).unwrap().unwrap();
                    assert!(values.contains(got.expose()));
                }
            });
        }
    });
}

#[test]
fn set_get_delete_round_trip() {
    let k = Keyring::mock();
    assert_eq!(k.get("a").unwrap(), None);
    k.set("a", &s("1234")).unwrap();
    assert_eq!(k.get("a").unwrap().unwrap().expose(), "1234");
    k.set("a", &s("5678")).unwrap();
    assert_eq!(k.get("a").unwrap().unwrap().expose(), "5678");
    assert!(k.delete("a").unwrap());
    assert!(!k.delete("a").unwrap());
    assert_eq!(k.get("a").unwrap(), None);
}

#[test]
fn long_values_alternate_between_two_chunk_sets() {
    let (k, store) = CrashingStore::keyring();
    let first = "ä".repeat(1_700) + &"x".repeat(901);
    k.set(KEY, &s(&first)).unwrap();
    let head = k.raw_get(KEY).unwrap().unwrap();
    assert!(head.starts_with("belfry-chunked:v2:a:5:4301:"), "{}", *head);
    assert_eq!(store.names(), expected_names(&k, KEY));
    for name in &store.names()[1..] {
        assert!(k.raw_get(name).unwrap().unwrap().len() <= CHUNK, "{name}");
    }
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), &first);

    let second = long('b', 2);
    k.set(KEY, &s(&second)).unwrap();
    assert!(
        k.raw_get(KEY)
            .unwrap()
            .unwrap()
            .starts_with("belfry-chunked:v2:b:2:")
    );
    assert_eq!(
        store.names(),
        [KEY, &format!("{KEY}#b0"), &format!("{KEY}#b1")]
    );
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), &second);

    k.set(KEY, &s("short")).unwrap();
    assert_eq!(store.names(), [KEY]);
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), "short");
}

#[test]
fn values_in_the_v1_layout_are_read_and_replaced_on_the_next_write() {
    let (k, store) = CrashingStore::keyring();
    let old = "ä".repeat(1_700) + &"x".repeat(901);
    write_v1(&k, KEY, &old);
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), &old);

    let new = long('n', 3);
    k.set(KEY, &s(&new)).unwrap();
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), &new);
    assert_eq!(store.names(), expected_names(&k, KEY));
    assert!(store.names().iter().all(|n| !n.contains("#part")));
}

#[test]
fn a_value_that_looks_like_a_head_is_stored_safely() {
    let k = Keyring::mock();
    for tricky in [
        "belfry-chunked:v1:3".to_owned(),
        Chunked::describe(ChunkSet::A, 1, "x").encode(),
    ] {
        k.set("t", &s(&tricky)).unwrap();
        assert_eq!(k.get("t").unwrap().unwrap().expose(), &tricky);
    }
}

#[test]
fn oversized_values_are_refused() {
    let k = Keyring::mock();
    let huge = "x".repeat(CHUNK * MAX_CHUNKS + 1);
    assert_eq!(
        k.set("h", &s(&huge)),
        Err(SecretsError::TooLarge(huge.len()))
    );
    assert_eq!(k.get("h").unwrap(), None);
}

/// A stored value of three chunks, with one of them then replaced by `tamper`.
fn tampered(tamper: impl FnOnce(&Keyring)) -> Result<Option<Sensitive<String>>, SecretsError> {
    let k = Keyring::mock();
    k.set(KEY, &s(&long('a', 3))).unwrap();
    tamper(&k);
    k.get(KEY)
}

#[test]
fn a_torn_or_tampered_chunk_set_is_an_error_not_a_wrong_value() {
    let damaged = Err(SecretsError::Platform(format!("entry {KEY} is damaged")));
    let incomplete = Err(SecretsError::Platform(format!("entry {KEY} is incomplete")));
    let stale = "z".repeat(CHUNK);
    let got = tampered(|k| k.raw_set(&format!("{KEY}#a1"), &stale).unwrap());
    assert_eq!(got, damaged, "a chunk from another value");
    assert_eq!(
        tampered(|k| k.raw_set(&format!("{KEY}#a2"), "short").unwrap()),
        damaged,
        "a chunk cut short"
    );
    assert_eq!(
        tampered(|k| k
            .raw_set(&format!("{KEY}#a0"), &"a".repeat(CHUNK + 1))
            .unwrap()),
        damaged,
        "a chunk longer than any Belfry writes"
    );
    assert_eq!(
        tampered(|k| assert!(k.raw_delete(&format!("{KEY}#a2")).unwrap())),
        incomplete
    );
    assert_eq!(
        tampered(|k| k.raw_set(KEY, "belfry-chunked:v2:a:3").unwrap()),
        damaged
    );
}

#[test]
fn a_damaged_head_can_be_overwritten() {
    let (k, store) = CrashingStore::keyring();
    k.raw_set(KEY, "belfry-chunked:v2:b:nonsense").unwrap();
    k.raw_set(&format!("{KEY}#a0"), "leftover").unwrap();
    assert!(k.get(KEY).is_err());
    let value = long('a', 2);
    k.set(KEY, &s(&value)).unwrap();
    assert_eq!(k.get(KEY).unwrap().unwrap().expose(), &value);
    assert_eq!(store.names(), expected_names(&k, KEY));
}

/// Whether `e` shows `secret`, as text or as the list of bytes a `Debug` of it prints.
fn shows(e: &SecretsError, secret: &str) -> bool {
    let message = e.to_string();
    let bytes = format!("{:?}", secret.as_bytes());
    message.contains(secret) || message.contains(bytes.trim_matches(['[', ']']))
}

#[test]
fn errors_never_carry_the_stored_bytes() {
    let secret = "sekrit-bytes";
    let e = map_error(KError::BadEncoding(secret.as_bytes().to_vec()));
    assert!(!shows(&e, secret), "{e}");
    let e = map_error(KError::BadDataFormat(
        secret.as_bytes().to_vec(),
        "bad".into(),
    ));
    assert!(!shows(&e, secret), "{e}");
    // The mock store's credentials print their secret in `Debug`.
    let k = Keyring::mock();
    k.set("amb", &s(secret)).unwrap();
    let e = map_error(KError::Ambiguous(vec![k.entry("amb").unwrap()]));
    assert!(!shows(&e, secret), "{e}");
    let e = tampered(|k| k.raw_set(&format!("{KEY}#a1"), secret).unwrap()).unwrap_err();
    assert!(!shows(&e, secret), "{e}");
}
