use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A secret value. `Debug` prints `<redacted>`; there is no `Serialize` and no `Display`, so
/// the value leaves only through an explicit [`Sensitive::expose`].
///
/// The value is held in [`Zeroizing`]: its memory is overwritten with zeros when the
/// `Sensitive` is dropped (for a `String`, the whole allocation, not only its length).
/// Copies made from [`Sensitive::expose`] are not covered; keep them in a `Sensitive` or a
/// [`Zeroizing`] too.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T: Zeroize>(Zeroizing<T>);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a secret. The value is moved, not copied.
    pub fn new(value: T) -> Self {
        Sensitive(Zeroizing::new(value))
    }

    /// Wraps a secret that is already wiped on drop.
    pub(crate) fn from_zeroizing(mut value: Zeroizing<T>) -> Self
    where
        T: Default,
    {
        Sensitive::new(std::mem::take(&mut *value))
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret. The value is moved out, not copied; from here on wiping it is the
    /// caller's job.
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut *self.0)
    }
}

/// Dropping a `Sensitive` wipes its value.
impl<T: Zeroize> ZeroizeOnDrop for Sensitive<T> {}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

/// Secrets may come in (typed by the user, read from stdin); they never go out as data.
impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Sensitive::new)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Sensitive::new("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "Sensitive(<redacted>)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Sensitive(<redacted>))");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn deserializes_from_input() {
        let s: Sensitive<String> = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(s.into_inner(), "hunter2");
    }

    /// Counts how often it is wiped; stands in for a buffer whose wiping cannot be observed
    /// without unsafe code.
    #[derive(Clone)]
    struct Probe(Arc<AtomicUsize>);

    impl Zeroize for Probe {
        fn zeroize(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn dropping_wipes_the_value_and_every_clone() {
        let wiped = Arc::new(AtomicUsize::new(0));
        let s = Sensitive::new(Probe(wiped.clone()));
        let copy = s.clone();
        assert_eq!(wiped.load(Ordering::SeqCst), 0);
        drop(s);
        assert_eq!(wiped.load(Ordering::SeqCst), 1);
        drop(copy);
        assert_eq!(wiped.load(Ordering::SeqCst), 2);
    }

    /// `Sensitive<T>` must never implement `Serialize`. If someone adds the impl, the
    /// `AmbiguousIfImpl` trick below stops compiling.
    #[test]
    fn has_no_serialize() {
        trait AmbiguousIfImpl<A> {
            fn some_item() {}
        }
        impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + serde::Serialize> AmbiguousIfImpl<Invalid> for T {}
        // Compiles only while exactly one impl applies, i.e. Sensitive is not Serialize.
        <Sensitive<String> as AmbiguousIfImpl<_>>::some_item();
    }
}
