//! How a secret is laid out over keyring entries.
//!
//! A value of at most [`CHUNK`] bytes is kept as is in the entry named by its key, the
//! *head*, unless it starts with [`PREFIX`]. A longer value is cut into chunks of at most
//! [`CHUNK`] bytes kept in entries of one of two alternating sets, `{key}#a{i}` or
//! `{key}#b{i}`, and the head then reads
//!
//! ```text
//! belfry-chunked:v2:{set}:{count}:{len}:{checksum}
//! ```
//!
//! naming the set (`a` or `b`), how many chunks it has, the value's length in bytes and the
//! value's 64-bit FNV-1a hash in 16 lowercase hex digits. A rewrite fills the set the head
//! does not name and then switches the head with one write, so the head always names a
//! complete set; the length and checksum catch a set that is not the one the head was
//! written for.
//!
//! Earlier versions wrote `belfry-chunked:v1:{count}` with chunks in `{key}#part{i}`; those
//! are still read, and replaced by the next write.

/// The largest value kept in one keyring entry. Windows caps a credential at 2,560 bytes
/// (UTF-16 of about 1,280 characters); longer values are split over several entries.
pub(crate) const CHUNK: usize = 1_000;
/// The most chunks one value may have.
pub(crate) const MAX_CHUNKS: usize = 64;

/// Every head of a chunked value starts with this; values that do are never stored plain.
const PREFIX: &str = "belfry-chunked:";
const V1: &str = "belfry-chunked:v1:";
const V2: &str = "belfry-chunked:v2:";

/// A group of chunk entries of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkSet {
    /// `{key}#part{i}`, written by the v1 format.
    Legacy,
    /// `{key}#a{i}`.
    A,
    /// `{key}#b{i}`.
    B,
}

impl ChunkSet {
    /// Every set, for sweeping.
    pub(crate) const ALL: [ChunkSet; 3] = [ChunkSet::Legacy, ChunkSet::A, ChunkSet::B];

    /// The name of chunk `i` of `key` in this set.
    pub(crate) fn entry_name(self, key: &str, i: usize) -> String {
        match self {
            ChunkSet::Legacy => format!("{key}#part{i}"),
            ChunkSet::A => format!("{key}#a{i}"),
            ChunkSet::B => format!("{key}#b{i}"),
        }
    }

    fn tag(self) -> &'static str {
        match self {
            ChunkSet::Legacy => "part",
            ChunkSet::A => "a",
            ChunkSet::B => "b",
        }
    }

    fn from_tag(tag: &str) -> Option<ChunkSet> {
        match tag {
            "a" => Some(ChunkSet::A),
            "b" => Some(ChunkSet::B),
            _ => None,
        }
    }
}

/// What a head entry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The head is the value itself.
    Plain,
    /// A v1 head: `count` chunks in [`ChunkSet::Legacy`], nothing to check them against.
    Legacy { count: usize },
    /// A v2 head.
    Chunked(Chunked),
}

impl Layout {
    /// Reads a head entry. `Err` when it claims to be a chunked head but is not a valid one.
    pub(crate) fn parse(head: &str) -> Result<Layout, Malformed> {
        if let Some(count) = head.strip_prefix(V1) {
            let count = count.parse().map_err(|_| Malformed)?;
            return Ok(Layout::Legacy {
                count: check_count(count)?,
            });
        }
        match head.strip_prefix(V2) {
            Some(fields) => Chunked::parse(fields).map(Layout::Chunked),
            None => Ok(Layout::Plain),
        }
    }

    /// The chunks this head points at, if any.
    pub(crate) fn chunks(self) -> Option<(ChunkSet, usize)> {
        match self {
            Layout::Plain => None,
            Layout::Legacy { count } => Some((ChunkSet::Legacy, count)),
            Layout::Chunked(c) => Some((c.set, c.count)),
        }
    }

    /// The set a rewrite fills: never the one this head points at.
    pub(crate) fn next_set(self) -> ChunkSet {
        match self.chunks() {
            Some((ChunkSet::A, _)) => ChunkSet::B,
            _ => ChunkSet::A,
        }
    }
}

/// A head entry that is not in any format Belfry wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// The contents of a v2 head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunked {
    /// Where the chunks are.
    pub(crate) set: ChunkSet,
    /// How many there are.
    pub(crate) count: usize,
    /// The value's length in bytes.
    pub(crate) len: usize,
    /// [`checksum`] of the value.
    pub(crate) sum: u64,
}

impl Chunked {
    /// The head for `value` cut into `count` chunks in `set`.
    pub(crate) fn describe(set: ChunkSet, count: usize, value: &str) -> Chunked {
        Chunked {
            set,
            count,
            len: value.len(),
            sum: checksum(value),
        }
    }

    /// The head entry's text.
    pub(crate) fn encode(&self) -> String {
        format!(
            "{V2}{}:{}:{}:{:016x}",
            self.set.tag(),
            self.count,
            self.len,
            self.sum
        )
    }

    /// Whether `value` is the one this head was written for.
    pub(crate) fn matches(&self, value: &str) -> bool {
        value.len() == self.len && checksum(value) == self.sum
    }

    fn parse(fields: &str) -> Result<Chunked, Malformed> {
        let mut fields = fields.split(':');
        let mut next = || fields.next().ok_or(Malformed);
        let set = ChunkSet::from_tag(next()?).ok_or(Malformed)?;
        let count = check_count(next()?.parse().map_err(|_| Malformed)?)?;
        let len: usize = next()?.parse().map_err(|_| Malformed)?;
        let sum = next()?;
        if sum.len() != 16 || fields.next().is_some() || len > count * CHUNK {
            return Err(Malformed);
        }
        let sum = u64::from_str_radix(sum, 16).map_err(|_| Malformed)?;
        Ok(Chunked {
            set,
            count,
            len,
            sum,
        })
    }
}

fn check_count(count: usize) -> Result<usize, Malformed> {
    if (1..=MAX_CHUNKS).contains(&count) {
        Ok(count)
    } else {
        Err(Malformed)
    }
}

/// Whether `value` is kept as is in its head entry.
pub(crate) fn fits_plain(value: &str) -> bool {
    value.len() <= CHUNK && !value.starts_with(PREFIX)
}

/// Cuts `value` into pieces of at most [`CHUNK`] bytes on character boundaries. The pieces
/// borrow from `value`: splitting copies no secret bytes.
pub(crate) fn split(value: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(value.len().div_ceil(CHUNK));
    let mut rest = value;
    while !rest.is_empty() {
        let mut cut = CHUNK.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    parts
}

/// 64-bit FNV-1a: enough to tell a value from a torn or stale mix of chunks. It guards
/// against accidents, not against someone who can write to the keyring.
pub(crate) fn checksum(value: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    value
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_round_trips() {
        let value = "x".repeat(2_345);
        let head = Chunked::describe(ChunkSet::B, 3, &value);
        let text = head.encode();
        assert!(text.starts_with("belfry-chunked:v2:b:3:2345:"), "{text}");
        assert_eq!(Layout::parse(&text), Ok(Layout::Chunked(head)));
        assert!(head.matches(&value));
        assert!(!head.matches(&"y".repeat(2_345)));
        assert!(!head.matches(&"x".repeat(2_344)));
    }

    #[test]
    fn v1_heads_and_plain_values_are_recognised() {
        assert_eq!(
            Layout::parse("belfry-chunked:v1:3"),
            Ok(Layout::Legacy { count: 3 })
        );
        assert_eq!(Layout::parse("hunter2"), Ok(Layout::Plain));
        assert_eq!(Layout::parse(""), Ok(Layout::Plain));
    }

    #[test]
    fn malformed_heads_are_refused() {
        let sum = "0123456789abcdef";
        for head in [
            "belfry-chunked:v1:".to_owned(),
            "belfry-chunked:v1:0".to_owned(),
            "belfry-chunked:v1:65".to_owned(),
            "belfry-chunked:v1:99999999999999999999999".to_owned(),
            format!("belfry-chunked:v2:c:1:10:{sum}"),
            format!("belfry-chunked:v2:part:1:10:{sum}"),
            format!("belfry-chunked:v2:a:0:0:{sum}"),
            format!("belfry-chunked:v2:a:65:10:{sum}"),
            format!("belfry-chunked:v2:a:1:1001:{sum}"),
            format!("belfry-chunked:v2:a:1:10:{sum}:extra"),
            "belfry-chunked:v2:a:1:10:0123".to_owned(),
            "belfry-chunked:v2:a:1:10:0123456789abcdeg".to_owned(),
            "belfry-chunked:v2:a:1:10".to_owned(),
        ] {
            assert_eq!(Layout::parse(&head), Err(Malformed), "{head}");
        }
    }

    #[test]
    fn a_rewrite_never_fills_the_set_in_use() {
        let a = Layout::Chunked(Chunked::describe(ChunkSet::A, 1, "v"));
        let b = Layout::Chunked(Chunked::describe(ChunkSet::B, 1, "v"));
        assert_eq!(a.next_set(), ChunkSet::B);
        assert_eq!(b.next_set(), ChunkSet::A);
        assert_eq!(Layout::Legacy { count: 2 }.next_set(), ChunkSet::A);
        assert_eq!(Layout::Plain.next_set(), ChunkSet::A);
    }

    #[test]
    fn splitting_respects_chunk_size_and_characters() {
        let value = "ä".repeat(1_700) + &"x".repeat(901);
        let parts = split(&value);
        assert!(parts.iter().all(|p| !p.is_empty() && p.len() <= CHUNK));
        assert_eq!(parts.concat(), value);
        assert_eq!(split(""), Vec::<&str>::new());
        assert_eq!(split(&"x".repeat(CHUNK)).len(), 1);
        assert_eq!(split(&"x".repeat(CHUNK + 1)).len(), 2);
    }

    #[test]
    fn values_that_look_like_heads_are_never_plain() {
        assert!(fits_plain(&"x".repeat(CHUNK)));
        assert!(!fits_plain(&"x".repeat(CHUNK + 1)));
        assert!(!fits_plain("belfry-chunked:v1:3"));
        assert!(!fits_plain("belfry-chunked:v2:a:1:1:0000000000000000"));
    }

    #[test]
    fn checksum_is_fnv1a() {
        // Published FNV-1a 64 test vectors: the format depends on these never changing.
        assert_eq!(checksum(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(checksum("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(checksum("foobar"), 0x8594_4171_f739_67e8);
    }
}
