//! What the kernel says about a server process, read from `/proc`: CPU time, resident memory,
//! threads, open descriptors, and where the memory is (`smaps`).
//!
//! A "server" may be several processes (nginx: a master and one worker per core), so every
//! figure is summed over the process and its children.

use std::fs;
use std::time::Duration;

/// `/proc` reports CPU time in clock ticks of `USER_HZ`, which Linux fixes at 100 for user
/// space whatever the kernel's own `HZ` (`sysconf(_SC_CLK_TCK)` returns it; 100 on every
/// architecture Linux supports today).
const TICKS_PER_SECOND: f64 = 100.0;

/// A process and its children, as a group.
#[derive(Debug, Clone)]
pub struct Group {
    pids: Vec<u32>,
}

impl Group {
    /// The process `pid` and its children as they are now (call it once the server has
    /// started its workers).
    pub fn of(pid: u32) -> Group {
        let mut pids = vec![pid];
        pids.extend(children(pid));
        Group { pids }
    }

    /// How many processes.
    pub fn len(&self) -> usize {
        self.pids.len()
    }

    /// User + system CPU time used so far, by all of them.
    pub fn cpu(&self) -> Duration {
        let (user, system) = self.user_and_system();
        user + system
    }

    /// User and system CPU time used so far, by all of them, apart: what their own code
    /// ran, and what the kernel ran for them.
    pub fn user_and_system(&self) -> (Duration, Duration) {
        let (user, system) = self
            .pids
            .iter()
            .filter_map(|&pid| cpu_ticks(pid))
            .fold((0, 0), |(u, s), (user, system)| (u + user, s + system));
        (seconds(user), seconds(system))
    }

    /// Resident memory (`VmRSS`), KiB, all of them.
    pub fn rss_kib(&self) -> u64 {
        self.pids
            .iter()
            .filter_map(|&pid| status_field(pid, "VmRSS:"))
            .sum()
    }

    /// Threads (`Threads:`), all of them.
    pub fn threads(&self) -> u64 {
        self.pids
            .iter()
            .filter_map(|&pid| status_field(pid, "Threads:"))
            .sum()
    }

    /// Open file descriptors, all of them.
    pub fn fds(&self) -> usize {
        self.pids
            .iter()
            .filter_map(|pid| fs::read_dir(format!("/proc/{pid}/fd")).ok())
            .map(|dir| dir.count())
            .sum()
    }
}

/// The CPU time this thread has used so far (the load generator's own cost).
pub fn this_thread_cpu() -> Duration {
    let (user, system) = fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|stat| ticks_in(&stat))
        .unwrap_or((0, 0));
    seconds(user + system)
}

fn seconds(ticks: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / TICKS_PER_SECOND)
}

fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    ticks_in(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// utime and stime, fields 14 and 15 of `stat`. The command name (field 2) is in
/// parentheses and may hold spaces, so count fields after the last `)`.
fn ticks_in(stat: &str) -> Option<(u64, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is the first after ')'
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime, stime))
}

/// A `Name:  value kB` line of `/proc/PID/status`, as a number.
pub fn status_field(pid: u32, name: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        let parent = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(pid) {
            found.push(child);
        }
    }
    found
}

/// Where a process's resident memory is, by kind of mapping, from `/proc/PID/smaps`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MemoryMap {
    /// Thread stacks: anonymous read-write mappings of `stack_kib` (the connection threads'
    /// stacks; glibc keeps each thread's descriptor and TLS at the top of its stack).
    pub stacks: Pages,
    /// The 8 KiB alternate signal stacks std gives every thread (for stack-overflow reports).
    pub signal_stacks: Pages,
    /// malloc's heaps: `[heap]` and the per-thread arenas (64 MiB reservations).
    pub heap: Pages,
    /// The program and its libraries.
    pub code: Pages,
    /// Everything else.
    pub other: Pages,
}

/// A count of mappings and the resident KiB in them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pages {
    /// Mappings.
    pub mappings: u64,
    /// Resident KiB.
    pub rss_kib: u64,
}

impl MemoryMap {
    /// Reads `/proc/PID/smaps`; `stack_kib` is the size of a connection thread's stack.
    pub fn read(pid: u32, stack_kib: u64) -> MemoryMap {
        let mut map = MemoryMap::default();
        let Ok(smaps) = fs::read_to_string(format!("/proc/{pid}/smaps")) else {
            return map;
        };
        // Each mapping is a header line (`start-end perms offset dev inode [name]`) followed
        // by `Key: value kB` lines, `Size:` and `Rss:` among them.
        let mut mapping: Option<(u64, String, String, u64)> = None; // start, perms, name, size
        for line in smaps.lines() {
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or("");
            if let Some((start, _)) = first.split_once('-').filter(|_| !first.ends_with(':')) {
                let start = u64::from_str_radix(start, 16).unwrap_or(0);
                let perms = words.next().unwrap_or("").to_string();
                let name = words.nth(3).unwrap_or("").to_string();
                mapping = Some((start, perms, name, 0));
            } else if first == "Size:" {
                if let Some(m) = &mut mapping {
                    m.3 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                }
            } else if first == "Rss:" {
                let rss: u64 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                let Some((start, perms, name, size)) = &mapping else {
                    continue;
                };
                let anonymous_rw = name.is_empty() && perms == "rw-p";
                // glibc's per-thread malloc arenas are 64 MiB reservations aligned to 64 MiB
                // (HEAP_MAX_SIZE): the part in use is the read-write front of one.
                let slot = if name.starts_with('/') || name.starts_with("[v") {
                    &mut map.code
                } else if name == "[heap]" || (anonymous_rw && start % (64 << 20) == 0) {
                    &mut map.heap
                } else if anonymous_rw && *size == stack_kib {
                    &mut map.stacks
                } else if anonymous_rw && *size == 8 {
                    &mut map.signal_stacks
                } else {
                    &mut map.other
                };
                slot.mappings += 1;
                slot.rss_kib += rss;
            }
        }
        map
    }

    /// All resident KiB.
    pub fn total_kib(&self) -> u64 {
        self.stacks.rss_kib
            + self.signal_stacks.rss_kib
            + self.heap.rss_kib
            + self.code.rss_kib
            + self.other.rss_kib
    }
}

/// A field of `/proc/meminfo`, KiB: the kernel's own memory (`KernelStack`, `Slab`,
/// `PageTables`), which no process's RSS shows.
pub fn meminfo_kib(field: &str) -> u64 {
    fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with(field))?;
            line[field.len()..].split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// Interrupts one CPU has sent another so far, on every CPU (`RES`, "rescheduling", and
/// `CAL`, "function call", in `/proc/interrupts`): mostly a wake-up of a thread that is to
/// run on the other CPU. Machine-wide, not the server's own.
pub fn cross_cpu_interrupts() -> u64 {
    let Ok(table) = fs::read_to_string("/proc/interrupts") else {
        return 0;
    };
    table
        .lines()
        .filter_map(|line| {
            let mut columns = line.split_whitespace();
            matches!(columns.next(), Some("RES:" | "CAL:"))
                .then(|| columns.map_while(|n| n.parse::<u64>().ok()).sum::<u64>())
        })
        .sum()
}

/// The machine's 1-minute load average: how busy it was besides us.
pub fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The CPU model and count, and the kernel release, for the report.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} × {model}, Linux {}", kernel.trim())
}
