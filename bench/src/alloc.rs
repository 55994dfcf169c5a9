//! A global allocator that counts: bytes live now, the most live at once since
//! the last reset, and how many allocations were made. Each child process
//! runs one client on one workload, so its peak is that client's alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        if new_size > layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What the allocator saw between [`Window::open`] and [`Window::close`].
pub struct Window {
    allocations_before: usize,
}

pub struct Seen {
    /// The most bytes live at once while the window was open.
    pub peak_bytes: usize,
    pub allocations: usize,
}

impl Window {
    pub fn open() -> Self {
        PEAK.store(LIVE.load(Relaxed), Relaxed);
        Window {
            allocations_before: ALLOCATIONS.load(Relaxed),
        }
    }

    pub fn close(self) -> Seen {
        Seen {
            peak_bytes: PEAK.load(Relaxed),
            allocations: ALLOCATIONS.load(Relaxed) - self.allocations_before,
        }
    }
}
