//! The page's clock, read in one place: what the hook stamps (a message's
//! arrival, [`Incoming::received_us`](crate::Incoming::received_us)) and
//! what an app compares those stamps with (whether a report is still
//! fresh) come from the same [`now_us`], so the two agree.

use web_sys::js_sys::Date;

/// The browser's clock in unix microseconds, as precise as it allows:
/// `performance.timeOrigin + performance.now()`, finer than `Date.now()`'s
/// milliseconds, which it falls back to without a window.
///
/// # Examples
///
/// Whether a report is still fresh, by the clock that stamped its arrival
/// (this reads the browser's clock, so it runs only in a page):
///
/// ```no_run
/// use herald_yew::{Incoming, now_us};
///
/// fn is_fresh<E>(incoming: &Incoming<E>) -> bool {
///     now_us().saturating_sub(incoming.received_us) < 5_000_000
/// }
/// ```
pub fn now_us() -> u64 {
    let millis = web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(Date::now, |performance| {
            performance.time_origin() + performance.now()
        });
    // Saturating float-to-int conversion: a clock before 1970 reads as 0.
    (millis * 1000.0) as u64
}
