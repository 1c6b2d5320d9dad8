//! Running the cross-built `ipv8.exe` (x86_64-pc-windows-gnu, release) under Wine, for the tests
//! of `windows_wine.rs`.
//!
//! Each test gets its own scratch directory holding a copy of `ipv8.exe` and a test-only
//! `bcryptprimitives.dll` compiled there from `processprng.c` with mingw: Debian 12's Wine 8 has
//! no such DLL, and Rust's std imports `ProcessPrng` from it, so without the stand-in the loader
//! stops every Rust .exe with status c0000135. The DLL never goes near the build output or
//! anything shipped. The Wine prefix is one directory under cargo's scratch space, reused between
//! runs (its first creation takes tens of seconds).
//!
//! The .exe itself is built by the full test command (`scripts/test-all.sh`) before the tests
//! run; `IPV8_WINDOWS_EXE` points at another one. Missing tools fail the test with a message
//! naming the Debian package, never skip it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::support::scratch_dir;

/// The Rust target triple of the Windows build.
pub const TARGET: &str = "x86_64-pc-windows-gnu";
/// The mingw C compiler that builds the stand-in DLL.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
/// How long one short command (`--version`, `key`, `packet`) may take, Wine start-up included.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// One Wine test at a time, also under `cargo test` (nextest's `wine` group does the same across
/// processes): they share the Wine prefix and its wineserver.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scratch directory with `ipv8.exe` and the stand-in DLL, plus how to run them under Wine.
pub struct WineDir {
    /// The directory (the .exe's working directory too).
    pub dir: PathBuf,
    exe: PathBuf,
    wine: PathBuf,
    prefix: PathBuf,
}

/// What a finished command printed.
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Its stdout, lossily decoded.
    pub stdout: String,
    /// Its stderr, lossily decoded.
    pub stderr: String,
}

/// The cargo target directory these tests were built into.
fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_path_buf()
}

/// The `ipv8.exe` under test.
///
/// # Panics
/// When it does not exist, saying how to build it.
pub fn windows_exe() -> PathBuf {
    if let Some(path) = std::env::var_os("IPV8_WINDOWS_EXE").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "IPV8_WINDOWS_EXE={} does not exist",
            path.display()
        );
        return path;
    }
    let path = target_dir().join(TARGET).join("release/ipv8.exe");
    assert!(
        path.is_file(),
        "needs the Windows build {}: run `cargo build --release --target {TARGET} --bin ipv8` \
         (bash scripts/test-all.sh does, after installing gcc-mingw-w64-x86-64)",
        path.display()
    );
    path
}

/// The Wine loader: `$WINE`, else `wine64` on the PATH or in Debian's `/usr/lib/wine`, else `wine`.
fn find_wine() -> PathBuf {
    if let Some(wine) = std::env::var_os("WINE").filter(|w| !w.is_empty()) {
        return PathBuf::from(wine);
    }
    let candidates = ["wine64", "/usr/lib/wine/wine64", "wine"];
    for candidate in candidates {
        let works = Command::new(candidate)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "needs wine: none of {candidates:?} runs (Debian package wine64; \
         bash scripts/test-all.sh installs it)"
    );
}

/// The directory of this harness's sources (`tests/wine`).
fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wine")
}

/// Compiles the stand-in `bcryptprimitives.dll` into `dir`.
fn build_stand_in_dll(dir: &Path) {
    let src = sources();
    let output = Command::new(MINGW_GCC)
        .args(["-shared", "-O2", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(src.join("processprng.c"))
        .arg(src.join("processprng.def"))
        .arg("-ladvapi32")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "needs {MINGW_GCC} (Debian package gcc-mingw-w64-x86-64; bash \
                 scripts/test-all.sh installs it): {e}"
            )
        });
    assert!(
        output.status.success(),
        "{MINGW_GCC} failed to build the stand-in DLL: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl WineDir {
    /// A fresh scratch directory named after `label`, holding `ipv8.exe` and the stand-in DLL,
    /// with the shared Wine prefix created and its wineserver running.
    ///
    /// # Panics
    /// When the .exe, Wine or mingw is missing (the message says which package).
    pub fn new(label: &str) -> Self {
        let exe_source = windows_exe();
        let wine = find_wine();
        let dir = scratch_dir(label);
        let exe = dir.join("ipv8.exe");
        std::fs::copy(&exe_source, &exe).unwrap_or_else(|e| {
            panic!(
                "copying {} into {}: {e}",
                exe_source.display(),
                dir.display()
            )
        });
        build_stand_in_dll(&dir);
        let prefix = target_dir().join("wine-prefix");
        std::fs::create_dir_all(&prefix)
            .unwrap_or_else(|e| panic!("creating {}: {e}", prefix.display()));
        let this = Self {
            dir,
            exe,
            wine,
            prefix,
        };
        this.start_wineserver();
        this.warm_up();
        this
    }

    /// Runs `ipv8.exe --version` once, so that creating or updating the Wine prefix (tens of
    /// seconds the first time) happens before any test starts its clock, and a .exe that cannot
    /// load at all fails here with Wine's message.
    fn warm_up(&self) {
        let started = Instant::now();
        let done = self.run(&["--version"]);
        assert!(
            done.status.success(),
            "ipv8.exe does not start under Wine ({}; status c0000135 means a missing DLL):\n{}",
            done.status,
            done.stderr
        );
        eprintln!("wine: ipv8.exe started in {:?}", started.elapsed());
    }

    fn env(&self, command: &mut Command) {
        command
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono/Gecko installer prompts while the prefix is created: console programs only.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY");
    }

    /// Starts the prefix's wineserver with no stdio of ours, so it never holds a test's pipes
    /// open; it lingers 10 s after the last Wine process and then exits by itself.
    fn start_wineserver(&self) {
        let server = self
            .wine
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("wineserver"), |p| p.join("wineserver"));
        let server = if server.is_file() {
            server
        } else {
            PathBuf::from("wineserver")
        };
        let mut command = Command::new(server);
        command
            .arg("-p10")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.env(&mut command);
        // It refuses when one is already running for this prefix, which is just as good.
        let _ = command.status();
    }

    /// `wine ipv8.exe ARGS` in the scratch directory, stdio not yet configured.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.wine);
        command.current_dir(&self.dir).arg(&self.exe).args(args);
        self.env(&mut command);
        command
    }

    /// Runs `ipv8.exe ARGS` to completion (killed after [`COMMAND_TIMEOUT`]).
    ///
    /// # Panics
    /// When Wine cannot be started or the command times out.
    pub fn run(&self, args: &[&str]) -> Finished {
        let mut child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting wine ipv8.exe {args:?}: {e}"));
        let stdout = read_all(child.stdout.take().expect("piped stdout"));
        let stderr = read_all(child.stderr.take().expect("piped stderr"));
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for wine") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wine ipv8.exe {args:?} did not finish within {COMMAND_TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(50));
        };
        Finished {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    }

    /// [`WineDir::run`], asserting success; returns stdout.
    ///
    /// # Panics
    /// When the command fails (the message has its stderr; status c0000135 means a DLL is missing).
    pub fn run_ok(&self, args: &[&str]) -> String {
        let done = self.run(args);
        assert!(
            done.status.success(),
            "wine ipv8.exe {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            done.status,
            done.stdout,
            done.stderr
        );
        done.stdout
    }
}

/// Reads a pipe to its end on a thread (both pipes drain at once, so neither can fill up).
fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
