//! Bounded concurrency per provider lane (a Graph mailbox, an account): a request waits for a
//! free place before it is sent, however many threads want to send.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, PoisonError};

/// Places in use, by lane.
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    busy: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// A place in a lane, given back when dropped.
#[derive(Debug)]
pub(crate) struct Place<'a> {
    lanes: &'a Lanes,
    key: String,
}

impl Lanes {
    /// Waits until `key` has fewer than `width` places taken, then takes one.
    pub(crate) fn enter(&self, key: &str, width: usize) -> Place<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while busy.get(key).copied().unwrap_or(0) >= width.max(1) {
            busy = self
                .freed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy.entry(key.to_owned()).or_default() += 1;
        Place {
            lanes: self,
            key: key.to_owned(),
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut busy = self
            .lanes
            .busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = busy.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                busy.remove(&self.key);
            }
        }
        self.lanes.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn a_lane_never_holds_more_than_its_width() {
        let lanes = Lanes::default();
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let other = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..12 {
                let (lanes, now, most, other) = (&lanes, &now, &most, &other);
                s.spawn(move || {
                    if i % 4 == 3 {
                        // Another lane is not held up by a full one.
                        let _p = lanes.enter("other", 4);
                        other.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    let _p = lanes.enter("mailbox", 4);
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 4, "{most} at once");
        assert!(most >= 2, "the lane ran one at a time ({most})");
        assert_eq!(other.load(Ordering::SeqCst), 3);
        assert!(
            lanes.busy.lock().unwrap().is_empty(),
            "every place given back"
        );
    }
}
