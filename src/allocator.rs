//! Giving freed memory back to the system. glibc keeps what a thread frees in that thread's
//! arena for reuse, and returns an arena's pages only from its top: the start-up (the spec, the
//! stand-in password hash) left 36 MiB resident that nothing used again, and a burst of built
//! pages leaves its share behind the same way.
use std::time::Duration;

/// How often the service hands freed pages back while it runs.
pub const EVERY: Duration = Duration::from_secs(10);

/// Returns every wholly free page of every arena to the system (`malloc_trim(0)`). A few
/// hundred microseconds on this service's heap; nothing elsewhere.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes each arena's lock itself and frees only unused pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives freed memory back every [`EVERY`], for as long as the service runs.
pub async fn run() {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        give_back();
    }
}
