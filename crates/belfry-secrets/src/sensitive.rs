use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret value. `Debug` prints `<redacted>`; there is no `Serialize` and no `Display`, so
/// the value leaves only through an explicit [`Sensitive::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

/// Secrets may come in (typed by the user, read from stdin); they never go out as data.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Sensitive)
    }
}

#[cfg(test)]
mod tests {
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
