//! Keeps a log that shrinks while it is memory-mapped from killing logscan.
//! Reading a mapped page that lies past a file's new end raises SIGBUS (logrotate's
//! `copytruncate` does that to a live log). ripgrep accepts the crash; logscan runs
//! during outages, so a SIGBUS handler recognises faults inside logscan's own maps,
//! puts a zero page there and lets the read go on, and the map remembers that it lost
//! bytes so the file is reported as cut short. Faults anywhere else go to the handler
//! installed before (Rust's own), so real crashes still crash.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

/// Maps guarded at once; a map that finds no free slot is not made (the file is streamed).
const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    hit: AtomicBool,
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        hit: AtomicBool::new(false),
    }
}; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(0);
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();
static INSTALL: Once = Once::new();

/// A guarded address range; dropping it ends the guard (before the map is unmapped).
#[derive(Debug)]
pub struct Guard {
    slot: usize,
}

impl Guard {
    /// Guards `len` bytes at `start`, or `None` when the handler is missing or every slot is taken.
    pub fn new(start: *const u8, len: usize) -> Option<Guard> {
        if !install() || start.is_null() || len == 0 {
            return None;
        }
        let start = start as usize;
        for (i, slot) in TABLE.iter().enumerate() {
            if slot
                .start
                .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                slot.hit.store(false, Ordering::Release);
                slot.len.store(len, Ordering::Release);
                return Some(Guard { slot: i });
            }
        }
        None
    }

    /// Whether a read hit a page past the file's end (and read zeros there).
    pub fn hit(&self) -> bool {
        TABLE[self.slot].hit.load(Ordering::Acquire)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let slot = &TABLE[self.slot];
        slot.len.store(0, Ordering::Release);
        slot.start.store(0, Ordering::Release);
    }
}

/// Installs the handler once; false if the system refused it.
fn install() -> bool {
    INSTALL.call_once(|| {
        // SAFETY: sysconf, sigemptyset and sigaction are called with valid pointers to
        // values that live across the calls; the handler only reads atomics and calls
        // mmap(2), which is a plain system call on the platforms logscan supports.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page <= 0 {
                return;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
                let _ = PREVIOUS.set(previous);
                PAGE.store(page as usize, Ordering::Release);
            }
        }
    });
    PAGE.load(Ordering::Acquire) != 0
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel hands a valid siginfo_t to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Acquire);
    for slot in &TABLE {
        let start = slot.start.load(Ordering::Acquire);
        let len = slot.len.load(Ordering::Acquire);
        if start == 0 || addr < start || addr - start >= len {
            continue;
        }
        let at = addr & !(page - 1);
        // SAFETY: the page lies inside a map this process made and still holds
        // (the guard is dropped before the map); replacing it with a private zero page
        // changes only what that map reads.
        let zero = unsafe {
            libc::mmap(
                at as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if zero != libc::MAP_FAILED {
            slot.hit.store(true, Ordering::Release);
            return;
        }
        break;
    }
    chain(sig, info, context);
}

/// Hands a fault that is not ours to the handler installed before, or restores the
/// default action so that returning faults again and ends the process as it would have.
fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(previous) = PREVIOUS.get() else {
        return restore_default(sig);
    };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        return restore_default(sig);
    }
    // SAFETY: `handler` is the function the previous owner installed for this signal,
    // called with the signature its flags declare.
    unsafe {
        if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(sig, info, context);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(sig);
        }
    }
}

fn restore_default(sig: libc::c_int) {
    // SAFETY: installs SIG_DFL with a zeroed, valid sigaction.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &action, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_truncated_under_its_map_reads_zeros_and_says_so() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let page = 4096 * 4;
        file.write_all(&vec![b'x'; page * 4]).unwrap();
        let map = unsafe { memmap2::Mmap::map(file.as_file()).unwrap() };
        let guard = Guard::new(map.as_ptr(), map.len()).expect("a free slot");
        file.as_file().set_len(10).unwrap();
        // Without the guard, touching the last page kills the test binary with SIGBUS.
        let tail: u64 = map[page * 3..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail, 0, "the lost pages read as zeros");
        assert_eq!(&map[..10], b"xxxxxxxxxx");
        assert!(guard.hit());
        drop(guard);
        drop(map);
    }

    #[test]
    fn an_untouched_map_reports_nothing() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"hello\n").unwrap();
        let map = unsafe { memmap2::Mmap::map(file.as_file()).unwrap() };
        let guard = Guard::new(map.as_ptr(), map.len()).unwrap();
        assert_eq!(&map[..], b"hello\n");
        assert!(!guard.hit());
    }
}
