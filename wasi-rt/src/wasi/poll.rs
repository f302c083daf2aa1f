//! poll_oneoff: waits for clock timeouts and fd readiness (fd_read / fd_write
//! subscriptions on any fd holding `poll_fd_readwrite`) with one host ppoll.
//!
//! Clock subscriptions become deadlines on the monotonic clock (relative, or absolute
//! on the realtime or monotonic clock); a subscription that cannot be waited on (bad
//! fd, missing right, unknown clock) completes at once with its error in the event.
//!
//! Host memory is bounded: at most [`MAX_SUBSCRIPTIONS`] subscriptions per call (more
//! is EINVAL, as Linux's poll answers for more fds than RLIMIT_NOFILE), read straight
//! from guest memory into 40 bytes of host state each (no copy of the guest's array),
//! allocated fallibly (ENOMEM).

use alloc::vec::Vec;
use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, Errno, EINVAL, ENOMEM};
use crate::rights::POLL_FD_READWRITE;

extern "C" {
    fn ppoll(
        fds: *mut libc::pollfd,
        n: libc::nfds_t,
        timeout: *const libc::timespec,
        mask: *const libc::sigset_t,
    ) -> libc::c_int;
}

/// Most subscriptions one poll_oneoff takes: at most 2.6 MB of host state (Wasmtime 49
/// traps above 500,000).
pub const MAX_SUBSCRIPTIONS: u32 = 65_536;

const SUB_SIZE: u64 = 48;
const EVENT_SIZE: u64 = 32;
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const ABSTIME: u16 = 1;
const HANGUP: u16 = 1;

struct Sub {
    userdata: u64,
    kind: u8,
    /// Clock: monotonic deadline in ns.
    deadline: u64,
    /// fd subscriptions: index into the pollfd array.
    poll_index: usize,
    /// Completed at once with this error.
    error: Option<Errno>,
}

fn le_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]))
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[..4].try_into().unwrap_or([0; 4]))
}

/// Bytes readable without blocking, as far as the host can tell.
fn readable_bytes(host: libc::c_int) -> u64 {
    if let Ok(st) = super::fstat(host) {
        if st.st_mode & libc::S_IFMT == libc::S_IFREG {
            // SAFETY: lseek to query the position of an fd we own.
            let pos = unsafe { libc::lseek(host, 0, libc::SEEK_CUR) };
            return (st.st_size as u64).saturating_sub(pos.max(0) as u64);
        }
    }
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    if unsafe { libc::ioctl(host, libc::FIONREAD, &mut n) } == 0 {
        n.max(0) as u64
    } else {
        0
    }
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_poll_oneoff(
    vmctx: *mut VmCtxHeader,
    subscriptions: u32,
    events_out: u32,
    nsubscriptions: u32,
    nevents_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        if nsubscriptions == 0 {
            return Err(EINVAL);
        }
        let arr = g.array(subscriptions, nsubscriptions, SUB_SIZE)?;
        g.array(events_out, nsubscriptions, EVENT_SIZE)?;
        g.range(nevents_out, 4)?;
        if nsubscriptions > MAX_SUBSCRIPTIONS {
            return Err(EINVAL);
        }

        let now_mono = super::clock::now(1)?;
        let mut table = super::fds();
        let mut subs: Vec<Sub> = Vec::new();
        subs.try_reserve_exact(nsubscriptions as usize)
            .map_err(|_| ENOMEM)?;
        let mut pfds: Vec<libc::pollfd> = Vec::new();
        for i in 0..nsubscriptions as usize {
            let mut raw = [0u8; SUB_SIZE as usize];
            // SAFETY: the array of nsubscriptions × SUB_SIZE bytes was checked above;
            // guest memory is copied, never borrowed.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    arr.add(i * SUB_SIZE as usize),
                    raw.as_mut_ptr(),
                    raw.len(),
                )
            };
            let s = &raw;
            let mut sub = Sub {
                userdata: le_u64(&s[0..]),
                kind: s[8],
                deadline: 0,
                poll_index: 0,
                error: None,
            };
            match sub.kind {
                CLOCK => {
                    let id = le_u32(&s[16..]);
                    let timeout = le_u64(&s[24..]);
                    let flags = u16::from_le_bytes([s[40], s[41]]);
                    let abs = flags & ABSTIME != 0;
                    match (id, abs) {
                        (0 | 1, false) => sub.deadline = now_mono.saturating_add(timeout),
                        (1, true) => sub.deadline = timeout,
                        (0, true) => {
                            let now_real = super::clock::now(0)?;
                            sub.deadline =
                                now_mono.saturating_add(timeout.saturating_sub(now_real));
                        }
                        // The CPU-time clocks: no host timer sleeps on them.
                        (2 | 3, _) => sub.error = Some(EINVAL),
                        // No such clock: the whole call is EINVAL, as in Wasmtime.
                        _ => return Err(EINVAL),
                    }
                }
                FD_READ | FD_WRITE => match table.get(le_u32(&s[16..]), POLL_FD_READWRITE) {
                    Ok(e) => {
                        pfds.try_reserve(1).map_err(|_| ENOMEM)?;
                        sub.poll_index = pfds.len();
                        let ev = if sub.kind == FD_READ {
                            libc::POLLIN
                        } else {
                            libc::POLLOUT
                        };
                        pfds.push(libc::pollfd {
                            fd: e.host,
                            events: ev,
                            revents: 0,
                        });
                    }
                    Err(err) => sub.error = Some(err),
                },
                // No such event type: the whole call is EINVAL, as in Wasmtime.
                _ => return Err(EINVAL),
            }
            subs.push(sub);
        }

        // Unlocked while ppoll may block.
        drop(table);
        let immediate = subs.iter().any(|s| s.error.is_some());
        let earliest = subs
            .iter()
            .filter(|s| s.kind == CLOCK && s.error.is_none())
            .map(|s| s.deadline)
            .min();
        loop {
            let now = super::clock::now(1)?;
            let ts;
            let timeout = if immediate {
                ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                &ts as *const libc::timespec
            } else if let Some(d) = earliest {
                let left = d.saturating_sub(now);
                ts = libc::timespec {
                    tv_sec: (left / 1_000_000_000) as libc::time_t,
                    tv_nsec: (left % 1_000_000_000) as libc::c_long,
                };
                &ts as *const libc::timespec
            } else {
                core::ptr::null()
            };
            // SAFETY: pfds is a valid array of its length; timeout is null or points
            // to a live timespec.
            let r = unsafe {
                ppoll(
                    pfds.as_mut_ptr(),
                    pfds.len() as libc::nfds_t,
                    timeout,
                    core::ptr::null(),
                )
            };
            if r < 0 {
                if crate::sys::errno() == libc::EINTR {
                    continue;
                }
                return Err(errno::last());
            }
            break;
        }

        let now = super::clock::now(1)?;
        let mut n = 0u32;
        for s in &subs {
            let mut ev = [0u8; EVENT_SIZE as usize];
            ev[0..8].copy_from_slice(&s.userdata.to_le_bytes());
            ev[10] = s.kind;
            let fire = if let Some(err) = s.error {
                ev[8..10].copy_from_slice(&err.to_le_bytes());
                true
            } else if s.kind == CLOCK {
                s.deadline <= now
            } else {
                let p = &pfds[s.poll_index];
                if p.revents == 0 {
                    false
                } else {
                    if p.revents & libc::POLLNVAL != 0 {
                        ev[8..10].copy_from_slice(&errno::EBADF.to_le_bytes());
                    }
                    let nbytes = if s.kind == FD_READ {
                        readable_bytes(p.fd)
                    } else {
                        0
                    };
                    ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
                    if p.revents & libc::POLLHUP != 0 {
                        ev[24..26].copy_from_slice(&HANGUP.to_le_bytes());
                    }
                    true
                }
            };
            if fire {
                g.write(events_out + n * EVENT_SIZE as u32, &ev)?;
                n += 1;
            }
        }
        g.write_u32(nevents_out, n)
    })())
}
